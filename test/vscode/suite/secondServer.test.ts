// The selected device on an adb server other than the default one, used where a user runs adb: a
// new integrated terminal and a tasks.json task with the command variables, each running the real
// adb, which must reach that server (ADB_SERVER_SOCKET) and that device.

import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { waitUntil } from '../../../lab/wait';
import type { AndroidDeviceWatcherApi } from '../../../src/devices/ui/api';
import { useLab } from '../../support/labFixture';
import { activeApi, runInNewTerminal, SECTION, until } from './helpers';

const TASK_LABEL = 'adw probe: model of the selected device';

describe('the selected device on a second adb server, from a terminal and a task (real adb)', function () {
  this.timeout(60_000);
  // Registered before the lab's own `after`, so that it runs first: the setting goes back before
  // the second server stops (a watched local server seen stopped would be started again).
  after(async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder) await fs.rm(path.join(folder.uri.fsPath, '.vscode', 'tasks.json'), { force: true });
    await vscode.workspace.getConfiguration(SECTION).update('adbServers', undefined, vscode.ConfigurationTarget.Global);
    if (api) {
      await until(api, () => api.servers.length === 1 && api.servers[0].address !== second.adb.address, 10_000, 'back to the run\'s server');
      // Leave nothing selected, as on a first activation, for the suites after this.
      await vscode.commands.executeCommand(`${SECTION}.clearSelection`);
    }
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  // A private adb server of its own, next to the run's one (which stays the default server).
  const second = useLab();
  let api: AndroidDeviceWatcherApi;
  let serial: string;
  let model: string;
  let tmp: string;

  before(async () => {
    api = await activeApi();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'adw-second-'));
    const sim = await second.lab.addDevice();
    serial = await second.adb.connect(sim.port);
    await vscode.workspace.getConfiguration(SECTION).update('adbServers', [second.adb.address], vscode.ConfigurationTarget.Global);
    // Nothing selected: the first ready device (the only one, on the second server) is taken.
    await vscode.commands.executeCommand(`${SECTION}.clearSelection`);
    await until(
      api,
      () => api.selectedDevice?.device.server === second.adb.address && api.selectedDevice.device.serial === serial && !!api.selectedDevice.device.details?.model,
      15_000,
      'the device on the second server, selected and read',
    );
    model = api.selectedDevice!.device.details!.model!;
  });

  it('gives a new terminal ADB_SERVER_SOCKET with ANDROID_SERIAL, and adb there reaches the device', async () => {
    const out = path.join(tmp, 'terminal.txt');
    await runInNewTerminal(`printf '%s\\n%s\\n' "$ADB_SERVER_SOCKET" "$ANDROID_SERIAL" > '${out}'; adb shell getprop ro.product.model >> '${out}' 2>&1`);
    const [socket, exported, answer] = (await fs.readFile(out, 'utf8')).split('\n');
    assert.equal(socket, `tcp:${second.adb.address}`);
    assert.equal(exported, serial);
    // The run's own server (ANDROID_ADB_SERVER_PORT in this environment) has no such device:
    // only the exported server gets this answer.
    assert.equal(answer.trim(), model);
  });

  it('runs a tasks.json task on the device through the command variables (the README example, with a probe)', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the suite runs in a folder');
    const out = path.join(tmp, 'task.txt');
    const tasks = {
      version: '2.0.0',
      tasks: [
        {
          label: TASK_LABEL,
          type: 'process',
          // The serial is an argument ($0), never part of the script text.
          command: '/bin/sh',
          args: ['-c', `adb -s "$0" shell getprop ro.product.model > '${out}' 2>&1`, '${command:androidDeviceWatcher.selectedSerial}'],
          options: { env: { ADB_SERVER_SOCKET: '${command:androidDeviceWatcher.selectedAdbServerSocket}' } },
        },
      ],
    };
    await fs.mkdir(path.join(folder.uri.fsPath, '.vscode'), { recursive: true });
    await fs.writeFile(path.join(folder.uri.fsPath, '.vscode', 'tasks.json'), JSON.stringify(tasks, undefined, 2));
    // No event says tasks.json was read again: look until the task is there.
    const task = await waitUntil(async () => (await vscode.tasks.fetchTasks()).find((t) => t.name === TASK_LABEL), 10_000, 'the task from tasks.json');
    const ended = new Promise<number | undefined>((resolve) => {
      const subscription = vscode.tasks.onDidEndTaskProcess((event) => {
        if (event.execution.task.name === TASK_LABEL) {
          subscription.dispose();
          resolve(event.exitCode);
        }
      });
    });
    await vscode.tasks.executeTask(task);
    assert.equal(await ended, 0, await fs.readFile(out, 'utf8').catch(() => 'no output'));
    assert.equal((await fs.readFile(out, 'utf8')).trim(), model);
  });
});
