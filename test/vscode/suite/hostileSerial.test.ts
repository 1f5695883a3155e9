// A device whose serial a shell could run or adb could read as an option, listed by a fake adb
// server (named as one: a real adb server never lists such a serial, so the fault cannot be
// provoked for real). It is shown, never selected by itself, never exported to a terminal, and the
// command variable refuses it even once the user picks it, since a "shell" task would run it.

import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { waitUntil } from '../../../lab/wait';
import type { AndroidDeviceWatcherApi } from '../../../src/ui/api';
import { deviceLine, HostileServer, startHostileServer } from '../../support/hostileServer';
import { StartedHere } from '../../support/started';
import { activeApi, runInNewTerminal, SECTION, until } from './helpers';

const SERIAL = '-evil;touch$IFS/tmp/adw-pwned`id`';

describe('a device whose serial a shell could run (fake adb server)', function () {
  this.timeout(30_000);
  const here = new StartedHere();
  let api: AndroidDeviceWatcherApi;
  let fake: HostileServer;

  before(async () => {
    api = await activeApi();
    fake = await here.start('a fake adb server listing a hostile serial', startHostileServer({ devices: `${deviceLine(SERIAL, 'device', { model: 'Evil', transport_id: '7' })}\n` }), (started) => started.close());
    await vscode.workspace.getConfiguration(SECTION).update('adbServers', [fake.address], vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand(`${SECTION}.clearSelection`);
    await until(api, () => api.devices.some((d) => d.serial === SERIAL && d.state === 'device'), 10_000, 'the hostile device listed');
  });

  after(async () => {
    await vscode.workspace.getConfiguration(SECTION).update('adbServers', undefined, vscode.ConfigurationTarget.Global);
    if (api) await until(api, () => api.servers.every((s) => s.address !== fake?.address), 10_000, 'the fake server no longer watched');
    await vscode.commands.executeCommand(`${SECTION}.clearSelection`);
    await here.stopAll();
  });

  it('is listed but not selected by itself', () => {
    assert.equal(api.selectedDevice, undefined);
  });

  it('is refused by the command variable once the user picks it, and not exported to a terminal', async () => {
    // With nothing selected the variable opens the picker; the user accepts its first row.
    const variable = Promise.resolve(vscode.commands.executeCommand<string | undefined>(`${SECTION}.selectedSerial`));
    await waitUntil(
      async () => {
        await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
        return api.selectedDevice !== undefined;
      },
      10_000,
      'the device picked in the picker',
    );
    assert.equal(api.selectedDevice?.device.serial, SERIAL, 'the user\'s pick stands');
    assert.equal(await variable, undefined, 'no serial a task could run');

    const out = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'adw-hostile-term-')), 'serial.txt');
    await runInNewTerminal(`printf '[%s]' "$ANDROID_SERIAL" > '${out}'`);
    assert.equal(await fs.readFile(out, 'utf8'), '[]');
    await fs.rm(path.dirname(out), { recursive: true, force: true });
  });
});
