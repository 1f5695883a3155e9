// Activation builds the core and the devices capability, then registers each other capability
// (one line each, devices/ui/capability.ts), collecting every disposable the moment it is made.
// activate() returns at once (the worker starts in the background); deactivate() returns the
// poller's dispose promise so VS Code waits for a clean stop.

import * as os from 'node:os';
import * as vscode from 'vscode';
import { DisposableStore, toDisposable } from './core/lifecycle';
import { AdbStatus } from './devices/model/adbStatus';
import { RecentLog } from './core/recentLog';
import { defaultServer } from './devices/model/settings';
import { WatcherModel } from './devices/model/watcherModel';
import { DEFAULT_POLLER_CONFIG } from './core/types';
import { PollerSupervisor } from './core/supervisor/pollerSupervisor';
import { AndroidDeviceWatcherApi, PublicApi } from './devices/ui/api';
import { Capability, CapabilityContext, COMMAND_PREFIX, Contributions } from './devices/ui/capability';
import { WatcherCommands } from './devices/ui/commands';
import { emulatorCapability } from './emulators/ui/emulatorCapability';
import { filesCapability } from './files/ui/filesCapability';
import { pairingCapability } from './pairing/ui/pairingCapability';
import { screenCapability } from './screen/ui/screenCapability';
import { SelectionExports } from './devices/ui/selectionExports';
import { SettingsSync } from './devices/ui/settingsSync';
import { DeviceStatusBar } from './devices/ui/statusBar';

/** Every capability beyond the devices one, in the order their picker sections and help rows show. */
const CAPABILITIES: readonly Capability[] = [emulatorCapability, pairingCapability, filesCapability, screenCapability];

let supervisor: PollerSupervisor | undefined;

export function activate(context: vscode.ExtensionContext): AndroidDeviceWatcherApi {
  const store = new DisposableStore();
  context.subscriptions.push(store);
  const log = store.add(vscode.window.createOutputChannel('Android Device Watcher', { log: true }));
  const adb = store.add(new AdbStatus());

  const poller = new PollerSupervisor({
    workerScript: vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath,
    config: DEFAULT_POLLER_CONFIG,
  });
  supervisor = poller;
  // deactivate() normally disposes it first; this covers a host that only disposes subscriptions.
  store.add(toDisposable(() => void poller.dispose()));
  const settings = store.add(new SettingsSync(adb, log, (config, stopDeadlineMs) => poller.reconfigure(config, stopDeadlineMs)));

  const recent = new RecentLog();
  store.add(
    poller.onLog(({ level, message, at }) => {
      log[level](message);
      recent.add(level, message, at);
    }),
  );
  store.add(poller.onDidChangeState(({ previous, state, reason }) => log.info(`watcher ${previous} -> ${state}${reason ? ` (${reason})` : ''}`)));

  const model = store.add(new WatcherModel(poller, context.workspaceState, adb));
  // Before the start, so that a window opened in the background starts at the slower pace.
  model.setWindowFocused(vscode.window.state.focused);
  store.add(vscode.window.onDidChangeWindowState(({ focused }) => model.setWindowFocused(focused)));
  store.add(
    model.onDidChange(({ devices }) => {
      for (const device of devices.added) log.info(`device added: ${device.serial} on ${device.server} (${device.state})`);
      for (const device of devices.changed) log.debug(`device changed: ${device.serial} on ${device.server} (${device.state})`);
      for (const device of devices.removed) log.info(`device removed: ${device.serial} on ${device.server}`);
    }),
  );
  store.add(new DeviceStatusBar(model));
  const contributions = new Contributions();
  const capabilityContext: CapabilityContext = {
    extension: context,
    model,
    log,
    settings,
    contributions,
    store,
    registerCommand: (id, callback) => store.add(vscode.commands.registerCommand(COMMAND_PREFIX + id, callback)),
    workerChannel: (name) => store.add(poller.capabilityChannel(name)),
  };
  for (const capability of CAPABILITIES) capability.register(capabilityContext);
  store.add(
    new WatcherCommands({
      model,
      adb,
      log,
      recent,
      settings: () => settings.settings,
      allSettings: () => settings.all,
      contributions,
      extensionVersion: String((context.extension.packageJSON as { version?: string }).version),
      localTerminalCwd: vscode.env.remoteName && context.extension.extensionKind === vscode.ExtensionKind.UI ? vscode.Uri.file(os.homedir()) : undefined,
    }),
  );
  const exports = store.add(
    new SelectionExports(model, context.environmentVariableCollection, {
      setAndroidSerial: () => settings.settings.setAndroidSerial,
      notifyOnDisconnect: () => settings.settings.notifyOnDisconnect,
      defaultServer: () => defaultServer(process.env).address,
    }),
  );
  store.add(settings.onDidChange(() => exports.refresh()));
  const api = store.add(new PublicApi(model));

  // Not awaited: activation returns at once; a failed start shows as the watcher's state.
  void (async () => {
    try {
      await poller.reconfigure(await settings.pollerConfig(), settings.settings.stopDeadlineMs);
      await poller.start();
    } catch (error) {
      log.error(`the device watcher did not start: ${(error as Error).message}`);
    }
  })();
  return api.exports;
}

export function deactivate(): Promise<void> | undefined {
  const poller = supervisor;
  supervisor = undefined;
  return poller?.dispose();
}
