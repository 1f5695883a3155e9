// The public API returned from activate(), for other extensions:
//   const api = vscode.extensions.getExtension('android-device-watcher.android-device-watcher')?.exports
// Versioned so that callers can check what they get.

import * as vscode from 'vscode';
import { DisposableStore } from '../common/events';
import { DeviceSelection, SelectedDevice } from '../model/selection';
import { Device, ServerState } from '../shared/types';
import { PollerState, PollerSupervisor } from '../supervisor/pollerSupervisor';

export interface AndroidDeviceWatcherApi {
  readonly version: 1;
  /** Every device every adb server reports, in every state. */
  readonly devices: readonly Device[];
  readonly servers: readonly ServerState[];
  readonly selectedDevice: SelectedDevice | undefined;
  readonly pollerState: PollerState;
  readonly onDidChangeDevices: vscode.Event<readonly Device[]>;
  readonly onDidChangeSelectedDevice: vscode.Event<SelectedDevice | undefined>;
  readonly onDidChangePollerState: vscode.Event<PollerState>;
  /** Shows the picker; resolves with the device picked (and selected), or undefined. */
  pickDevice(): Promise<Device | undefined>;
}

export function createApi(supervisor: PollerSupervisor, selection: DeviceSelection, store: DisposableStore): AndroidDeviceWatcherApi {
  // Our own emitters: the API outlives nothing, but callers' listeners must not reach internals.
  const devices = store.add(new vscode.EventEmitter<readonly Device[]>());
  const selected = store.add(new vscode.EventEmitter<SelectedDevice | undefined>());
  const state = store.add(new vscode.EventEmitter<PollerState>());
  store.add(supervisor.onDidChangeDevices(({ snapshot }) => devices.fire(snapshot.devices)));
  store.add(selection.onDidChange((value) => selected.fire(value)));
  store.add(supervisor.onDidChangeState((change) => state.fire(change.state)));
  return {
    version: 1,
    get devices() {
      return supervisor.snapshot?.devices ?? [];
    },
    get servers() {
      return supervisor.snapshot?.servers ?? [];
    },
    get selectedDevice() {
      return selection.selected;
    },
    get pollerState() {
      return supervisor.state;
    },
    onDidChangeDevices: devices.event,
    onDidChangeSelectedDevice: selected.event,
    onDidChangePollerState: state.event,
    pickDevice: async () => (await vscode.commands.executeCommand<Device | undefined>('androidDeviceWatcher.pickDevice')) ?? undefined,
  };
}
