// The selection made visible outside the picker: `when`-clause context keys, ANDROID_SERIAL in
// new integrated terminals, a notice when the first ready device is selected for the user, and
// one when the selected device disconnects.

import * as vscode from 'vscode';
import { DisposableBase } from '../../core/lifecycle';
import { exportableSerial, SelectedDevice } from '../model/selection';
import { adbServerSocket } from '../model/settings';
import { WatcherModel } from '../model/watcherModel';
import { deviceName, inert } from './deviceText';

export interface ExportOptions {
  setAndroidSerial(): boolean;
  notifyOnDisconnect(): boolean;
  /** The server a plain `adb` reaches from a new terminal (`host:port`). */
  defaultServer(): string;
}

/** A flapping device gets one notice per this period, not one per flap. */
const NOTICE_QUIET_MS = 30_000;

export class SelectionExports extends DisposableBase {
  private readonly lastNotice = new Map<string, number>();

  constructor(
    private readonly model: WatcherModel,
    private readonly environment: vscode.GlobalEnvironmentVariableCollection,
    private readonly options: ExportOptions,
  ) {
    super();
    this.register(model.onDidDisconnectSelected((selected) => this.notifyDisconnected(selected.id, deviceName(selected.device), selected.serial)));
    this.register(model.onDidAutoSelect((selected) => void this.notifyAutoSelected(selected)));
    this.register(
      model.onDidChange((change) => {
        this.updateContext();
        if (change.selection) this.updateEnvironment();
      }),
    );
    this.refresh();
  }

  /** Settings changed: the environment may now be wanted, or not. */
  refresh(): void {
    this.updateContext();
    this.updateEnvironment();
  }

  private updateContext(): void {
    const { model } = this;
    const selected = model.selection;
    const setContext = (key: string, value: unknown) => void vscode.commands.executeCommand('setContext', `androidDeviceWatcher.${key}`, value);
    setContext('pollerState', model.state);
    setContext('hasSelection', !!selected);
    setContext('selectedDeviceReady', !!selected?.ready);
    setContext('selectedDeviceTcp', selected?.device.connection === 'tcp');
    setContext('selectedSerial', selected?.serial ?? '');
    setContext('deviceCount', model.devices.length);
    setContext('adbFound', !!model.adb?.found);
  }

  private updateEnvironment(): void {
    const selected = this.model.selection;
    // A serial a shell could misread, or one two devices share, never reaches a terminal.
    const serial = exportableSerial(selected);
    if (this.options.setAndroidSerial() && selected && serial) {
      this.environment.replace('ANDROID_SERIAL', serial);
      // A device on another adb server is reachable only through that server.
      if (selected.server !== this.options.defaultServer()) this.environment.replace('ADB_SERVER_SOCKET', adbServerSocket(selected.server));
      else this.environment.delete('ADB_SERVER_SOCKET');
      this.environment.description = vscode.l10n.t('ANDROID_SERIAL (and ADB_SERVER_SOCKET for a device on another adb server) name the device selected in Android Device Watcher.');
    } else {
      this.environment.delete('ANDROID_SERIAL');
      this.environment.delete('ADB_SERVER_SOCKET');
    }
  }

  /**
   * Said once, when the selection is made for the user rather than by them; with the name the
   * status bar goes on showing, so it waits for the device's details (a moment after it is listed).
   */
  private async notifyAutoSelected(selected: SelectedDevice): Promise<void> {
    const device = await this.model.whenNamed(selected.device);
    // Not about a device the user has since replaced, nor after the window closed.
    if (this.store.isDisposed || this.model.selection?.id !== selected.id) return;
    const pickAnother = vscode.l10n.t('Pick Another Device');
    void vscode.window
      .showInformationMessage(
        vscode.l10n.t('Using {0} ({1}), the first ready device. Tasks, launch configurations and new terminals use it.', inert(deviceName(device)), inert(selected.serial)),
        pickAnother,
      )
      .then((choice) => choice === pickAnother && vscode.commands.executeCommand('androidDeviceWatcher.pickDevice'));
  }

  private notifyDisconnected(id: string, name: string, serial: string): void {
    if (!this.options.notifyOnDisconnect()) return;
    const now = Date.now();
    if (now - (this.lastNotice.get(id) ?? -Infinity) < NOTICE_QUIET_MS) return;
    this.lastNotice.set(id, now);
    const pickAnother = vscode.l10n.t('Pick Another Device');
    void vscode.window
      .showWarningMessage(vscode.l10n.t('{0} ({1}) disconnected. It stays selected and is used again when it returns.', inert(name), inert(serial)), pickAnother)
      .then((choice) => choice === pickAnother && vscode.commands.executeCommand('androidDeviceWatcher.pickDevice'));
  }
}
