// The status-bar item: the selected device (+N more), "No devices", or the watcher's state when it
// is not running; a warning colour when the selected device is gone or not ready. Click: picker.

import * as vscode from 'vscode';
import { DisposableBase } from '../../core/lifecycle';
import { WatcherModel } from '../model/watcherModel';
import { effectiveState } from '../../core/types';
import { deviceIcon, deviceName, plain, pollerStateLabel, serverProblemLabel, stateLabel } from './deviceText';

export const STATUS_BAR_ID = 'androidDeviceWatcher.status';

export class DeviceStatusBar extends DisposableBase {
  private readonly item: vscode.StatusBarItem;

  constructor(private readonly model: WatcherModel) {
    super();
    this.item = this.register(vscode.window.createStatusBarItem(STATUS_BAR_ID, vscode.StatusBarAlignment.Left, 100));
    this.item.name = vscode.l10n.t('Android Device');
    this.item.command = 'androidDeviceWatcher.pickDevice';
    this.register(model.onDidChange(() => this.render()));
    this.render();
    this.item.show();
  }

  /** What the item shows now (for tests and the log). */
  get text(): string {
    return this.item.text;
  }

  private render(): void {
    const { text, warning } = this.compose();
    this.item.text = text;
    this.item.backgroundColor = warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.tooltip = this.tooltip();
  }

  private compose(): { text: string; warning: boolean } {
    const model = this.model;
    const state = model.state;
    const selected = model.selection;
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
    if (model.allServersUnreachable) {
      return { text: `$(warning) ${serverProblemLabel(model.unreachableProblem, !!model.adb?.found)}`, warning: true };
    }
    const devices = model.devices;
    if (!selected) {
      // Not "No devices" before the servers have said so.
      if (devices.length === 0 && model.awaitingFirstList) return { text: `$(sync~spin) ${vscode.l10n.t('Android devices')}`, warning: false };
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
    const deviceState = effectiveState(selected.device);
    if (deviceState === 'booting') {
      return { text: `$(sync~spin) ${name} (${stateLabel(deviceState)})${more}`, warning: false };
    }
    if (!selected.ready) {
      return { text: `$(warning) ${name} (${stateLabel(deviceState)})${more}`, warning: true };
    }
    return { text: `${deviceIcon(selected.device)} ${name}${more}`, warning: false };
  }

  private tooltip(): vscode.MarkdownString {
    const model = this.model;
    const tip = new vscode.MarkdownString(undefined, true);
    // Command links only for our own commands; device data is escaped with appendText.
    tip.isTrusted = {
      enabledCommands: ['androidDeviceWatcher.pickDevice', 'androidDeviceWatcher.showLog', 'androidDeviceWatcher.restart', 'androidDeviceWatcher.troubleshoot'],
    };
    tip.supportHtml = false;
    tip.appendMarkdown(`**${vscode.l10n.t('Android devices')}**\n\n`);
    const devices = model.devices;
    if (devices.length === 0) {
      tip.appendText(vscode.l10n.t('No devices'));
      tip.appendMarkdown('\n\n');
    }
    const selected = model.selection;
    for (const device of devices) {
      tip.appendMarkdown('- ');
      tip.appendMarkdown(`${deviceIcon(device)} `);
      tip.appendText(`${deviceName(device)} — ${device.serial} — ${stateLabel(effectiveState(device))}`);
      if (selected?.id === device.id) tip.appendMarkdown(` $(check)`);
      tip.appendMarkdown('\n');
    }
    if (selected && !selected.present && !selected.awaitingServer) {
      tip.appendMarkdown('\n$(debug-disconnect) ');
      tip.appendText(vscode.l10n.t('{0} ({1}) is disconnected; it will be used again when it returns.', deviceName(selected.device), selected.serial));
      tip.appendMarkdown('\n');
    }
    tip.appendMarkdown('\n---\n\n');
    tip.appendText(vscode.l10n.t('Watcher: {0}', pollerStateLabel(model.state)));
    if (model.error) {
      tip.appendText(` — ${model.error}`);
    }
    tip.appendMarkdown('\n\n');
    for (const server of model.servers) {
      tip.appendText(`adb ${server.address}: ${server.status}${server.error ? ` — ${server.error}` : ''}`);
      tip.appendMarkdown('\n\n');
    }
    const adb = model.adb?.found;
    if (adb) {
      tip.appendText(vscode.l10n.t('adb: {0} (from {1})', adb.path, adb.source));
      tip.appendMarkdown('\n\n');
    }
    if (model.lastUpdate !== undefined) {
      tip.appendText(vscode.l10n.t('Last update: {0}', new Date(model.lastUpdate).toLocaleTimeString()));
      tip.appendMarkdown('\n\n');
    }
    tip.appendMarkdown(
      `[${vscode.l10n.t('Pick device')}](command:androidDeviceWatcher.pickDevice) · [${vscode.l10n.t('Show log')}](command:androidDeviceWatcher.showLog) · [${vscode.l10n.t('Restart watcher')}](command:androidDeviceWatcher.restart) · [${vscode.l10n.t('Troubleshoot')}](command:androidDeviceWatcher.troubleshoot)`,
    );
    return tip;
  }
}
