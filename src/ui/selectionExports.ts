// The selection made visible outside the picker: `when`-clause context keys, ANDROID_SERIAL in
// new integrated terminals, and a notice when the selected device disconnects.

import * as vscode from 'vscode';
import { DisposableStore } from '../common/events';
import { DeviceSelection } from '../model/selection';
import { PollerSupervisor } from '../supervisor/pollerSupervisor';
import { deviceName, inert } from './deviceText';

export interface ExportOptions {
  setAndroidSerial(): boolean;
  notifyOnDisconnect(): boolean;
}

/** A flapping device gets one notice per this period, not one per flap. */
const NOTICE_QUIET_MS = 30_000;

export function exportSelection(
  supervisor: PollerSupervisor,
  selection: DeviceSelection,
  environment: vscode.GlobalEnvironmentVariableCollection,
  options: ExportOptions,
): vscode.Disposable & { refresh(): void } {
  const store = new DisposableStore();
  const setContext = (key: string, value: unknown) => void vscode.commands.executeCommand('setContext', `androidDeviceWatcher.${key}`, value);

  const updateContext = () => {
    const selected = selection.selected;
    setContext('pollerState', supervisor.state);
    setContext('hasSelection', !!selected);
    setContext('selectedDeviceReady', !!selected?.ready);
    setContext('selectedDeviceTcp', selected?.device.connection === 'tcp');
    setContext('selectedSerial', selected?.serial ?? '');
    setContext('deviceCount', supervisor.snapshot?.devices.length ?? 0);
  };

  const updateEnvironment = () => {
    const serial = selection.selected?.serial;
    if (options.setAndroidSerial() && serial) {
      environment.replace('ANDROID_SERIAL', serial);
      environment.description = vscode.l10n.t('ANDROID_SERIAL is the device selected in Android Device Watcher.');
    } else {
      environment.delete('ANDROID_SERIAL');
    }
  };

  const lastNotice = new Map<string, number>();
  store.add(
    selection.onDidDisconnect((selected) => {
      if (!options.notifyOnDisconnect()) return;
      const now = Date.now();
      if (now - (lastNotice.get(selected.id) ?? -Infinity) < NOTICE_QUIET_MS) return;
      lastNotice.set(selected.id, now);
      const pickAnother = vscode.l10n.t('Pick Another Device');
      void vscode.window
        .showWarningMessage(vscode.l10n.t('{0} ({1}) disconnected. It stays selected and is used again when it returns.', inert(deviceName(selected.device)), inert(selected.serial)), pickAnother)
        .then((choice) => choice === pickAnother && vscode.commands.executeCommand('androidDeviceWatcher.pickDevice'));
    }),
  );
  store.add(supervisor.onDidChangeState(updateContext));
  store.add(supervisor.onDidChangeDevices(updateContext));
  store.add(selection.onDidChange(() => {
    updateContext();
    updateEnvironment();
  }));
  const refresh = () => {
    updateContext();
    updateEnvironment();
  };
  refresh();
  return { dispose: () => store.dispose(), refresh };
}
