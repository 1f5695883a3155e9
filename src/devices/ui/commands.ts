// Every command of the extension. Commands that control the watcher report failures in the log and
// a notice; none throws into VS Code.

import * as vscode from 'vscode';
import { DisposableBase } from '../../core/lifecycle';
import { adbServerSocket } from '../model/settings';
import { adbDeviceArguments, isPlainSerial } from '../model/selection';
import { Device } from '../../core/types';
import { COMMAND_PREFIX, deviceArgument, textArgument } from './capability';
import { DevicePicker } from './devicePicker';
import { deviceName, inert } from './deviceText';
import { showTroubleshootReport, TroubleshootDeps } from './troubleshoot';
import { connectOverWifi, disconnectDevice } from './wifi';

export interface CommandDeps extends TroubleshootDeps {
  log: vscode.LogOutputChannel;
  /**
   * Set when the extension runs on the local side of a remote window: a terminal is then created
   * on the remote side unless its cwd is a local file URI, and the adb it runs is a local one.
   */
  localTerminalCwd?: vscode.Uri;
}

export class WatcherCommands extends DisposableBase {
  constructor(deps: CommandDeps) {
    super();
    const { model, log } = deps;
    const controls = model.controls;

    const copySerial = async (device: Device) => {
      await vscode.env.clipboard.writeText(device.serial);
      void vscode.window.showInformationMessage(vscode.l10n.t('Copied {0}', inert(device.serial)));
    };
    const openShell = (device: Device) => openAdbShell(deps, device);
    const disconnect = async (device: Device) => void (await disconnectDevice(model, device));
    const picker = this.register(new DevicePicker(model, { copySerial, openShell, disconnect }, deps.contributions));
    const pick = () => picker.show();

    const control = (name: string, action: () => Promise<void> | void) => async () => {
      try {
        await action();
      } catch (error) {
        const message = (error as Error).message;
        log.error(`${name}: ${message}`);
        void vscode.window.showErrorMessage(vscode.l10n.t('Device watcher: {0}', inert(message)));
      }
    };

    const text = textArgument;
    const register = (id: string, callback: (...args: never[]) => unknown) => this.register(vscode.commands.registerCommand(COMMAND_PREFIX + id, callback));

    register('pickDevice', pick);
    register('refresh', control('refresh', () => controls.refresh()));
    register('pause', control('pause', () => controls.pause()));
    register('resume', control('resume', () => controls.resume()));
    register('start', control('start', () => controls.start()));
    register('stop', control('stop', () => controls.stop()));
    register('kill', control('kill', () => controls.kill()));
    register('restart', control('restart', () => controls.restart()));
    register('showLog', () => log.show());
    register('copySelectedSerial', async () => {
      const selected = model.selection;
      if (selected) await copySerial(selected.device);
    });
    register('openShell', async () => {
      const selected = model.selection;
      if (selected) await openShell(selected.device);
    });
    register('troubleshoot', () => showTroubleshootReport(deps));
    // Arguments (address, server) let other extensions and tests connect without the input box.
    register('connectWifi', (address?: unknown, server?: unknown) =>
      connectOverWifi(model, text(address), text(server)),
    );
    // Disconnects the given serial (or the selected device) on its adb server.
    register('disconnectDevice', async (serial?: unknown) => {
      const device = deviceArgument(model, serial);
      if (!device) return { ok: false, message: `no device ${text(serial) ?? 'selected'}` };
      return disconnectDevice(model, device);
    });
    // For `${command:androidDeviceWatcher.selectedSerial}` in launch.json and tasks.json: the
    // selected serial, or the picker when nothing is selected; undefined (cancelled) aborts the launch.
    register('selectedSerial', async () => {
      const device = model.selection?.device ?? (await pick());
      if (!device) return undefined;
      if (!isPlainSerial(device.serial)) {
        // A task may hand the value to a shell: a serial with shell characters is refused, not quoted.
        void vscode.window.showErrorMessage(
          vscode.l10n.t('The selected device\'s serial {0} has characters a shell could run or adb could read as an option; it is not passed to tasks or launch configurations.', inert(JSON.stringify(device.serial))),
        );
        return undefined;
      }
      if (device.sharesSerial) {
        void vscode.window.showErrorMessage(
          vscode.l10n.t('Two devices share the serial {0}, so adb -s cannot tell them apart. Unplug one, or use adb -t {1} for the selected one.', inert(device.serial), device.transportId ?? '?'),
        );
        return undefined;
      }
      return device.serial;
    });
    register('clearSelection', () => model.clearSelection());
    // Starts the local adb servers that refuse connections (or the one given): the picker's action
    // for "not running", whether or not the watcher starts them by itself.
    register('startAdbServer', async (server?: unknown) => {
      const given = text(server);
      const targets = given !== undefined ? [given] : [...model.startableServers];
      if (targets.length === 0) {
        void vscode.window.showInformationMessage(vscode.l10n.t('No adb server on this machine is down.'));
        return { ok: false, message: 'no adb server on this machine is down' };
      }
      const results = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Starting the adb server…') },
        () => Promise.all(targets.map((target) => model.controls.runAdbCommand({ kind: 'start-server', server: target }))),
      );
      const failed = results.find((result) => !result.ok);
      if (failed) void vscode.window.showErrorMessage(vscode.l10n.t('Could not start the adb server: {0}', inert(failed.message)));
      return failed ?? results[0];
    });
    register('copyTaskExample', async () => {
      await vscode.env.clipboard.writeText(TASK_EXAMPLE);
      void vscode.window.showInformationMessage(vscode.l10n.t('Copied a task to paste into .vscode/tasks.json ("tasks": [...]).'));
    });
    // For `${command:androidDeviceWatcher.selectedAdbServerSocket}`: the selected device's server as
    // ADB_SERVER_SOCKET takes it (`tcp:host:port`), so that a task reaches the device on any server.
    register('selectedAdbServerSocket', async () => {
      const device = model.selection?.device ?? (await pick());
      return device && adbServerSocket(device.server);
    });
  }
}

/** The README's example: runs adb on the selected device, on whichever adb server it is. */
const TASK_EXAMPLE = JSON.stringify(
  {
    label: 'Install debug build',
    type: 'process',
    command: 'adb',
    args: ['-s', '${command:androidDeviceWatcher.selectedSerial}', 'install', '-r', 'app-debug.apk'],
    options: { env: { ADB_SERVER_SOCKET: '${command:androidDeviceWatcher.selectedAdbServerSocket}' } },
  },
  undefined,
  2,
);

/** `adb -s serial shell` (or `-t id`) as an argument list: no shell ever parses device data. */
async function openAdbShell(deps: CommandDeps, device: Device): Promise<void> {
  const adb = deps.model.adb?.found;
  if (!adb) {
    const setPath = vscode.l10n.t('Set adb Path');
    const choice = await vscode.window.showErrorMessage(vscode.l10n.t('adb not found: set androidDeviceWatcher.adbPath or ANDROID_HOME.'), setPath);
    if (choice === setPath) await vscode.commands.executeCommand('workbench.action.openSettings', 'androidDeviceWatcher.adbPath');
    return;
  }
  // The serial only when it is plain and this device's alone (the adb run may be a script a shell
  // reads); otherwise the transport id, which names this connection and nothing else.
  const target = adbDeviceArguments(device);
  if (!target) {
    void vscode.window.showErrorMessage(
      vscode.l10n.t('Cannot open a shell on {0}: its serial is not safe to give adb (shell characters, or another device has it) and adb lists no transport id for it.', inert(JSON.stringify(device.serial))),
    );
    return;
  }
  const terminal = vscode.window.createTerminal({
    name: vscode.l10n.t('adb shell: {0}', deviceName(device)),
    shellPath: adb.path,
    // The server through ADB_SERVER_SOCKET, not -H/-P: adb misreads an IPv6 host given with -H.
    env: { ADB_SERVER_SOCKET: adbServerSocket(device.server) },
    cwd: deps.localTerminalCwd,
    shellArgs: [...target, 'shell'],
    iconPath: new vscode.ThemeIcon('device-mobile'),
  });
  terminal.show();
}
