// Devices whose serials a shell could run or expand, or adb could read as an option (a POSIX
// shell's `;` and `$`, Windows cmd's `%VAR%`, `!VAR!` and `^`), listed by a fake adb server (named
// as one: a real adb server lists TCP devices by the address it was given, and a USB device's
// serial, which the device chooses, cannot be simulated here). Each is shown, never selected by
// itself, never exported to a terminal, and the command variable refuses it even once the user
// picks it, since a "shell" task would run it; a plain device listed among them is taken.

import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { waitUntil } from '../../../lab/wait';
import type { AndroidDeviceWatcherApi } from '../../../src/devices/ui/api';
import { deviceLine, HostileServer, startHostileServer } from '../../support/hostileServer';
import { StartedHere } from '../../support/started';
import { activeApi, runInNewTerminal, SECTION, until } from './helpers';

/** Runs in a POSIX shell, and adb would read it as an option. */
const SHELL_SERIAL = '-evil;touch$IFS/tmp/adw-pwned`id`';
/** What Windows cmd expands (`%VAR%`, `!VAR!` with delayed expansion) or reads as its escape (`^`). */
const CMD_SERIALS = ['%s%n%x%d', '!PATH!', 'R58^N12'];
const HOSTILE = [SHELL_SERIAL, ...CMD_SERIALS];
const PLAIN = 'SAFE0001';

/** The fake's device list: each serial ready, with a transport id of its own. */
function listing(serials: readonly string[]): string {
  return serials.map((serial, index) => `${deviceLine(serial, 'device', { model: 'Evil', transport_id: String(7 + index) })}\n`).join('');
}

describe('devices whose serials a shell could run or expand (fake adb server)', function () {
  this.timeout(30_000);
  const here = new StartedHere();
  let api: AndroidDeviceWatcherApi;
  let fake: HostileServer;
  let tmp: string;

  /** The fake lists exactly `serials`, and the watcher shows exactly them. */
  async function listOnly(serials: readonly string[]): Promise<void> {
    fake.setScenario({ devices: listing(serials) });
    const shown = () => api.devices.filter((d) => d.server === fake.address && d.state === 'device').map((d) => d.serial).sort();
    await until(api, () => JSON.stringify(shown()) === JSON.stringify([...serials].sort()), 10_000, `the fake's devices listed: ${JSON.stringify(serials)}`);
  }

  /** ANDROID_SERIAL as a new integrated terminal has it. */
  async function exportedSerial(): Promise<string> {
    const out = path.join(tmp, 'serial.txt');
    await runInNewTerminal(`printf '[%s]' "$ANDROID_SERIAL" > '${out}'`);
    return fs.readFile(out, 'utf8');
  }

  before(async () => {
    api = await activeApi();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'adw-hostile-term-'));
    fake = await here.start('a fake adb server listing hostile serials', startHostileServer({ devices: listing(HOSTILE) }), (started) => started.close());
    await vscode.workspace.getConfiguration(SECTION).update('adbServers', [fake.address], vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand(`${SECTION}.clearSelection`);
    await listOnly(HOSTILE);
  });

  after(async () => {
    await vscode.workspace.getConfiguration(SECTION).update('adbServers', undefined, vscode.ConfigurationTarget.Global);
    if (api) await until(api, () => api.servers.every((s) => s.address !== fake?.address), 10_000, 'the fake server no longer watched');
    await vscode.commands.executeCommand(`${SECTION}.clearSelection`);
    await here.stopAll();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  it('lists them all, selects none by itself, and exports none to a terminal', async () => {
    assert.equal(api.selectedDevice, undefined);
    assert.equal(await exportedSerial(), '[]');
  });

  for (const serial of HOSTILE) {
    it(`refuses ${JSON.stringify(serial)} in the command variable once the user picks it, and does not export it`, async () => {
      await listOnly([serial]);
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
      assert.equal(api.selectedDevice?.device.serial, serial, "the user's pick stands");
      assert.equal(await variable, undefined, 'no serial a task could run');
      assert.equal(await exportedSerial(), '[]');
      await vscode.commands.executeCommand(`${SECTION}.clearSelection`);
    });
  }

  it('takes by itself the plain device listed among them, and exports it', async () => {
    await listOnly([...HOSTILE, PLAIN]);
    await until(api, () => api.selectedDevice?.serial === PLAIN, 10_000, 'the plain device selected');
    assert.equal(await exportedSerial(), `[${PLAIN}]`);
    assert.equal(await vscode.commands.executeCommand<string | undefined>(`${SECTION}.selectedSerial`), PLAIN);
  });
});
