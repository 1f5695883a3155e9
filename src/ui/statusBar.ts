// The status-bar item: the selected device (+N more), "No devices", or the poller's state when it
// is not running; a warning colour when the selected device is gone or not ready. Click: picker.

import * as vscode from 'vscode';
import { DisposableStore } from '../common/events';
import { AdbStatus } from '../model/adbStatus';
import { DeviceSelection } from '../model/selection';
import { PollerSupervisor } from '../supervisor/pollerSupervisor';
import { deviceIcon, deviceName, plain, pollerStateLabel, stateLabel } from './deviceText';

export const STATUS_BAR_ID = 'androidDeviceWatcher.status';

export class DeviceStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables = new DisposableStore();

  constructor(
    private readonly supervisor: PollerSupervisor,
    private readonly selection: DeviceSelection,
    private readonly adb: AdbStatus,
  ) {
    this.item = this.disposables.add(vscode.window.createStatusBarItem(STATUS_BAR_ID, vscode.StatusBarAlignment.Left, 100));
    this.item.name = vscode.l10n.t('Android Device');
    this.item.command = 'androidDeviceWatcher.pickDevice';
    this.disposables.add(supervisor.onDidChangeState(() => this.render()));
    this.disposables.add(supervisor.onDidChangeDevices(() => this.render()));
    this.disposables.add(selection.onDidChange(() => this.render()));
    this.disposables.add(adb.onDidChange(() => this.render()));
    this.render();
    this.item.show();
  }

  /** What the item shows now (for tests and the log). */
  get text(): string {
    return this.item.text;
  }

  render(): void {
    const { text, warning } = this.compose();
    this.item.text = text;
    this.item.backgroundColor = warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.tooltip = this.tooltip();
  }

  private compose(): { text: string; warning: boolean } {
    const state = this.supervisor.state;
    const snapshot = this.supervisor.snapshot;
    const selected = this.selection.selected;
    const name = selected ? plain(deviceName(selected.device)) : undefined;
    switch (state) {
      case 'idle':
      case 'starting':
      case 'restarting':
        return { text: `$(sync~spin) ${name ?? vscode.l10n.t('Android devices')}`, warning: false };
      case 'paused':
        return { text: `$(debug-pause) ${name ?? vscode.l10n.t('Devices')} (${vscode.l10n.t('paused')})`, warning: false };
      case 'stopping':
      case 'stopped':
      case 'killed':
      case 'disposed':
        return { text: `$(circle-slash) ${vscode.l10n.t('Device watcher {0}', pollerStateLabel(state))}`, warning: false };
      case 'crashed':
        return { text: `$(error) ${vscode.l10n.t('Device watcher crashed')}`, warning: true };
      case 'running':
        break;
    }
    const servers = snapshot?.servers ?? [];
    if (servers.length > 0 && servers.every((s) => s.status === 'unreachable')) {
      const problem = this.adb.search?.found ? vscode.l10n.t('adb server not running') : vscode.l10n.t('adb not found');
      return { text: `$(warning) ${problem}`, warning: true };
    }
    const devices = snapshot?.devices ?? [];
    if (!selected) {
      if (devices.length === 0) return { text: `$(device-mobile) ${vscode.l10n.t('No devices')}`, warning: false };
      return { text: `$(device-mobile) ${vscode.l10n.t('{0} devices', devices.length)}`, warning: false };
    }
    const others = devices.filter((d) => d.id !== selected.id).length;
    const more = others > 0 ? ` (+${others})` : '';
    if (selected.awaitingServer) {
      return { text: `$(sync~spin) ${name}${more}`, warning: false };
    }
    if (!selected.present) {
      return { text: `$(debug-disconnect) ${name} (${vscode.l10n.t('disconnected')})${more}`, warning: true };
    }
    if (!selected.ready) {
      return { text: `$(warning) ${name} (${stateLabel(selected.device.state)})${more}`, warning: true };
    }
    return { text: `${deviceIcon(selected.device)} ${name}${more}`, warning: false };
  }

  private tooltip(): vscode.MarkdownString {
    const tip = new vscode.MarkdownString(undefined, true);
    // Command links only for our own commands; device data is escaped with appendText.
    tip.isTrusted = {
      enabledCommands: ['androidDeviceWatcher.pickDevice', 'androidDeviceWatcher.showLog', 'androidDeviceWatcher.restart', 'androidDeviceWatcher.troubleshoot'],
    };
    tip.supportHtml = false;
    const snapshot = this.supervisor.snapshot;
    tip.appendMarkdown(`**${vscode.l10n.t('Android devices')}**\n\n`);
    const devices = snapshot?.devices ?? [];
    if (devices.length === 0) {
      tip.appendText(vscode.l10n.t('No devices'));
      tip.appendMarkdown('\n\n');
    }
    for (const device of devices) {
      tip.appendMarkdown('- ');
      tip.appendMarkdown(`${deviceIcon(device)} `);
      tip.appendText(`${deviceName(device)} — ${device.serial} — ${stateLabel(device.state)}`);
      if (this.selection.selected?.id === device.id) tip.appendMarkdown(` $(check)`);
      tip.appendMarkdown('\n');
    }
    const selected = this.selection.selected;
    if (selected && !selected.present && !selected.awaitingServer) {
      tip.appendMarkdown('\n$(debug-disconnect) ');
      tip.appendText(vscode.l10n.t('{0} ({1}) is disconnected; it will be used again when it returns.', deviceName(selected.device), selected.serial));
      tip.appendMarkdown('\n');
    }
    tip.appendMarkdown('\n---\n\n');
    tip.appendText(vscode.l10n.t('Watcher: {0}', pollerStateLabel(this.supervisor.state)));
    if (this.supervisor.lastError) {
      tip.appendText(` — ${this.supervisor.lastError}`);
    }
    tip.appendMarkdown('\n\n');
    for (const server of snapshot?.servers ?? this.supervisor.config.servers.map((address) => ({ address, status: 'connecting', error: undefined }))) {
      tip.appendText(`adb ${server.address}: ${server.status}${server.error ? ` — ${server.error}` : ''}`);
      tip.appendMarkdown('\n\n');
    }
    if (this.adb.search?.found) {
      tip.appendText(vscode.l10n.t('adb: {0} (from {1})', this.adb.search.found.path, this.adb.search.found.source));
      tip.appendMarkdown('\n\n');
    }
    if (snapshot) {
      tip.appendText(vscode.l10n.t('Last update: {0}', new Date(snapshot.at).toLocaleTimeString()));
      tip.appendMarkdown('\n\n');
    }
    tip.appendMarkdown(
      `[${vscode.l10n.t('Pick device')}](command:androidDeviceWatcher.pickDevice) · [${vscode.l10n.t('Show log')}](command:androidDeviceWatcher.showLog) · [${vscode.l10n.t('Restart watcher')}](command:androidDeviceWatcher.restart) · [${vscode.l10n.t('Troubleshoot')}](command:androidDeviceWatcher.troubleshoot)`,
    );
    return tip;
  }

  dispose(): void {
    this.disposables.dispose();
  }
}
