// The public API returned from activate(), for other extensions:
//   const api = vscode.extensions.getExtension('android-device-watcher.android-device-watcher')?.exports
// Versioned so that callers can check what they get.

import * as vscode from 'vscode';
import { DisposableBase } from '../../core/lifecycle';
import { deviceName } from '../model/deviceName';
import { SelectedDevice } from '../model/selection';
import { WatcherModel, WatcherState } from '../model/watcherModel';
import { hasChanges } from '../../core/deviceChanges';
import { Device, ServerState } from '../../core/types';

export interface AndroidDeviceWatcherApi {
  readonly version: 1;
  /** Every device every adb server reports, in every state. */
  readonly devices: readonly Device[];
  readonly servers: readonly ServerState[];
  readonly selectedDevice: SelectedDevice | undefined;
  readonly pollerState: WatcherState;
  readonly onDidChangeDevices: vscode.Event<readonly Device[]>;
  readonly onDidChangeSelectedDevice: vscode.Event<SelectedDevice | undefined>;
  readonly onDidChangePollerState: vscode.Event<WatcherState>;
  /** Shows the picker; resolves with the device picked (and selected), or undefined. */
  pickDevice(): Promise<Device | undefined>;
  /**
   * The name this extension shows for a device: manufacturer and model ("Google Pixel 8"), an
   * emulator's AVD, its serial until its details are read.
   */
  deviceName(device: Device): string;
}

export class PublicApi extends DisposableBase {
  readonly exports: AndroidDeviceWatcherApi;

  constructor(model: WatcherModel) {
    super();
    // Our own emitters: callers' listeners must not reach the model's internals.
    const devices = this.register(new vscode.EventEmitter<readonly Device[]>());
    const selected = this.register(new vscode.EventEmitter<SelectedDevice | undefined>());
    const state = this.register(new vscode.EventEmitter<WatcherState>());
    this.register(
      model.onDidChange((change) => {
        if (hasChanges(change.devices) || change.servers) devices.fire(model.devices);
        if (change.selection) selected.fire(model.selection);
        if (change.state) state.fire(model.state);
      }),
    );
    this.exports = {
      version: 1,
      get devices() {
        return model.devices;
      },
      get servers() {
        return model.servers;
      },
      get selectedDevice() {
        return model.selection;
      },
      get pollerState() {
        return model.state;
      },
      onDidChangeDevices: devices.event,
      onDidChangeSelectedDevice: selected.event,
      onDidChangePollerState: state.event,
      pickDevice: async () => (await vscode.commands.executeCommand<Device | undefined>('androidDeviceWatcher.pickDevice')) ?? undefined,
      deviceName,
    };
  }
}
