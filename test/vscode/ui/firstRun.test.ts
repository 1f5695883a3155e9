// The first minute on a machine set up by Android Studio: adb only under ~/Android/Sdk (not found
// through any setting or SDK variable), no adb server running, no setting touched. A VS Code of its
// own (code-server with that HOME) must find adb there, start the server, and show the devices.

import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { AdbHostClient } from '../../../lab/adbHostClient';
import { findFreePort } from '../../../lab/ports';
import { SimulatedLab } from '../../../lab/sim/labClient';
import { openWorkbench } from '../../../lab/vscode/browser';
import { startCodeServer } from '../../../lab/vscode/codeServer';
import { waitForStatus } from '../../../lab/vscode/workbenchDriver';
import { waitUntil } from '../../../lab/wait';
import { StartedHere } from '../../support/started';
import { uiTestContext } from '../runner/runSuite';

/** The real adb on PATH, where this machine's package put it. */
async function realAdb(): Promise<string> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'adb');
    if (await fs.access(candidate, fs.constants.X_OK).then(() => true, () => false)) return candidate;
  }
  throw new Error('adb is not on PATH');
}

describe('first run on a machine set up by Android Studio (a VS Code of its own)', function () {
  this.timeout(120_000);
  const here = new StartedHere();
  let home: string;
  let calls: string;
  let port: number;
  let lab: SimulatedLab;
  let page: Page;

  before(async () => {
    const { browser, codeServerEntry } = uiTestContext();
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'adw-first-run-home-'));
    calls = path.join(home, 'adb-calls');
    // Android Studio's default SDK folder on Linux, with the real adb behind a wrapper that
    // records how it was run.
    const platformTools = path.join(home, 'Android', 'Sdk', 'platform-tools');
    await fs.mkdir(platformTools, { recursive: true });
    await fs.writeFile(path.join(platformTools, 'adb'), `#!/bin/sh\necho "$*" >> '${calls}'\nexec '${await realAdb()}' "$@"\n`, { mode: 0o755 });
    // No server runs on this port until the extension starts one.
    port = await findFreePort();
    lab = await here.start('the simulated device lab', SimulatedLab.start(), (started) => started.close());
    here.start('the adb server the extension starts', Promise.resolve(port), (started) =>
      new Promise<void>((resolve) => execFile('adb', ['-P', String(started), 'kill-server'], { timeout: 20_000 }, () => resolve())),
    );
    const server = await here.start(
      'code-server with the Android Studio HOME',
      startCodeServer({
        entryScript: codeServerEntry,
        folder: home,
        // Nothing names adb: no setting, no SDK variable; only the server port adb itself would use.
        env: { HOME: home, ANDROID_HOME: '', ANDROID_SDK_ROOT: '', ANDROID_ADB_SERVER_PORT: String(port) },
      }),
      (started) => started.stop(),
    );
    page = await here.start('its workbench', openWorkbench(browser, server), (opened) => opened.context().close());
  });

  after(async () => {
    await here.stopAll();
    if (home) await fs.rm(home, { recursive: true, force: true });
  });

  it('finds adb in ~/Android/Sdk, starts the adb server, and shows the devices attached to it', async () => {
    const adb = new AdbHostClient(port);
    // The extension starts the server through the SDK's adb; it answers on the port once started.
    await waitUntil(() => adb.hostRequest('host:version').then(() => true, () => false), 60_000, 'the adb server the extension starts');
    const recorded = (await fs.readFile(calls, 'utf8')).trim().split('\n');
    assert.ok(recorded.includes(`-P ${port} start-server`), recorded.join('\n'));
    for (const sim of await lab.addDevices(2)) await adb.connect(sim.port);
    assert.match(await waitForStatus(page, /\(\+\d+\)/, 30_000), /\(\+\d+\)/);
  });
});
