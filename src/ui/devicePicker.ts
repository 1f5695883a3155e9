// The live device picker: one row per device (grouped by adb server when there are several, and
// not-ready devices apart with their fix), row buttons, and the poller's controls as footer rows.
// It redraws from the model while open and drops its listeners when it hides.

import * as vscode from 'vscode';
import { DisposableStore } from '../common/events';
import { AdbStatus } from '../model/adbStatus';
import { DeviceSelection } from '../model/selection';
import { Device } from '../shared/types';
import { PollerSupervisor } from '../supervisor/pollerSupervisor';
import { deviceIcon, deviceName, deviceSummary, plain, pollerStateLabel, stateFix } from './deviceText';

type Action = 'pause' | 'resume' | 'start' | 'restart' | 'refresh' | 'showLog' | 'setAdbPath' | 'connectWifi' | 'troubleshoot';

interface PickerItem extends vscode.QuickPickItem {
  device?: Device;
  action?: Action;
}

const ACTION_COMMANDS: Record<Action, string> = {
  pause: 'androidDeviceWatcher.pause',
  resume: 'androidDeviceWatcher.resume',
  start: 'androidDeviceWatcher.start',
  restart: 'androidDeviceWatcher.restart',
  refresh: 'androidDeviceWatcher.refresh',
  showLog: 'androidDeviceWatcher.showLog',
  setAdbPath: 'workbench.action.openSettings',
  connectWifi: 'androidDeviceWatcher.connectWifi',
  troubleshoot: 'androidDeviceWatcher.troubleshoot',
};

export interface PickerDeps {
  supervisor: PollerSupervisor;
  selection: DeviceSelection;
  adb: AdbStatus;
  copySerial(device: Device): Promise<void>;
  openShell(device: Device): Promise<void>;
  disconnect(device: Device): Promise<void>;
}

let openPicker: vscode.QuickPick<PickerItem> | undefined;

/** Shows the picker; resolves with the device picked (already selected), or undefined. */
export function showDevicePicker(deps: PickerDeps): Promise<Device | undefined> {
  openPicker?.hide();
  const store = new DisposableStore();
  const picker = store.add(vscode.window.createQuickPick<PickerItem>());
  openPicker = picker;
  picker.placeholder = vscode.l10n.t('Select an Android device');
  picker.matchOnDescription = true;
  picker.matchOnDetail = true;
  picker.keepScrollPosition = true;

  const copyButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('copy'), tooltip: vscode.l10n.t('Copy serial') };
  const shellButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('terminal'), tooltip: vscode.l10n.t('Open adb shell') };
  const disconnectButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('debug-disconnect'), tooltip: vscode.l10n.t('Disconnect (adb disconnect)') };
  const buttons = { copy: copyButton, shell: shellButton, disconnect: disconnectButton };

  const render = () => {
    const activeId = picker.activeItems[0]?.device?.id ?? picker.activeItems[0]?.action;
    picker.items = buildItems(deps, buttons);
    const state = deps.supervisor.state;
    picker.busy = state === 'starting' || state === 'restarting' || state === 'stopping';
    picker.title = vscode.l10n.t('Android devices ({0}) — watcher {1}', deps.supervisor.snapshot?.devices.length ?? 0, pollerStateLabel(state));
    // Keep the user's place across live updates.
    const active = picker.items.find((item) => (item.device?.id ?? item.action) === activeId && item.kind !== vscode.QuickPickItemKind.Separator);
    if (active) picker.activeItems = [active];
  };
  store.add(deps.supervisor.onDidChangeDevices(render));
  store.add(deps.supervisor.onDidChangeState(render));
  store.add(deps.selection.onDidChange(render));
  store.add(deps.adb.onDidChange(render));
  render();

  return new Promise<Device | undefined>((resolve) => {
    let picked: Device | undefined;
    store.add(
      picker.onDidTriggerItemButton(({ item, button }) => {
        if (!item.device) return;
        if (button === copyButton) void deps.copySerial(item.device);
        else if (button === shellButton) void deps.openShell(item.device);
        else if (button === disconnectButton) void deps.disconnect(item.device);
      }),
    );
    store.add(
      picker.onDidAccept(() => {
        const item = picker.selectedItems[0];
        if (item?.device) {
          picked = item.device;
          deps.selection.select(item.device);
        } else if (item?.action) {
          const args = item.action === 'setAdbPath' ? ['androidDeviceWatcher.adbPath'] : [];
          void vscode.commands.executeCommand(ACTION_COMMANDS[item.action], ...args);
        }
        picker.hide();
      }),
    );
    store.add(
      picker.onDidHide(() => {
        if (openPicker === picker) openPicker = undefined;
        store.dispose();
        resolve(picked);
      }),
    );
    picker.show();
  });
}

interface RowButtons {
  copy: vscode.QuickInputButton;
  shell: vscode.QuickInputButton;
  disconnect: vscode.QuickInputButton;
}

function buildItems(deps: PickerDeps, buttons: RowButtons): PickerItem[] {
  const { supervisor, selection, adb } = deps;
  const snapshot = supervisor.snapshot;
  const devices = snapshot?.devices ?? [];
  const servers = snapshot?.servers ?? [];
  const selected = selection.selected;
  const items: PickerItem[] = [];

  const unreachable = servers.filter((s) => s.status === 'unreachable');
  if (unreachable.length > 0 && unreachable.length === servers.length) {
    const found = adb.search?.found;
    items.push({
      label: `$(warning) ${found ? vscode.l10n.t('No adb server answers') : vscode.l10n.t('adb not found')}`,
      detail: plain(unreachable.map((s) => s.error ?? s.address).join(' · ')),
      action: found ? 'showLog' : 'setAdbPath',
      alwaysShow: true,
    });
    if (!found) items.push({ label: `$(gear) ${vscode.l10n.t('Set the adb path…')}`, action: 'setAdbPath', alwaysShow: true });
  }

  const row = (device: Device): PickerItem => {
    const isSelected = selected?.id === device.id;
    const fix = stateFix(device);
    const name = deviceName(device);
    // A device that has not said its name yet is labelled by its serial; no need to say it twice.
    const serial = name === device.serial ? '' : plain(device.serial);
    return {
      label: `${deviceIcon(device)} ${plain(name)}`,
      description: `${serial}${isSelected ? `  $(check) ${vscode.l10n.t('selected')}` : ''}`,
      detail: plain(fix ? `${deviceSummary(device)} — ${fix}` : deviceSummary(device)),
      device,
      buttons: [buttons.copy, ...(device.state === 'device' ? [buttons.shell] : []), ...(device.connection === 'tcp' ? [buttons.disconnect] : [])],
    };
  };
  const separator = (label: string): PickerItem => ({ label, kind: vscode.QuickPickItemKind.Separator });
  const groups = servers.length > 1 ? servers.map((s) => s.address) : [undefined];
  for (const server of groups) {
    const mine = devices.filter((d) => server === undefined || d.server === server);
    const ready = mine.filter((d) => d.state === 'device');
    const notReady = mine.filter((d) => d.state !== 'device');
    if (server !== undefined) {
      const status = servers.find((s) => s.address === server);
      items.push(separator(status?.status === 'unreachable' ? `${server} — ${vscode.l10n.t('unreachable')}` : server));
    }
    items.push(...ready.map(row));
    if (notReady.length > 0) {
      items.push(separator(server === undefined ? vscode.l10n.t('Not ready') : vscode.l10n.t('{0} — not ready', server)));
      items.push(...notReady.map(row));
    }
  }
  if (selected && !selected.present) {
    const awaiting = selected.awaitingServer;
    items.push(separator(awaiting ? vscode.l10n.t('Selected') : vscode.l10n.t('Disconnected')));
    items.push({
      label: `${awaiting ? '$(sync~spin)' : '$(debug-disconnect)'} ${plain(deviceName(selected.device))}`,
      description: `${plain(selected.serial)}  $(check) ${vscode.l10n.t('selected')}`,
      detail: awaiting
        ? vscode.l10n.t('Waiting for its adb server to list the devices.')
        : vscode.l10n.t('Not connected now; it will be used again when it returns.'),
      device: selected.device,
      buttons: [buttons.copy],
    });
  }
  if (devices.length === 0 && supervisor.state === 'running' && unreachable.length < servers.length) {
    items.push({ label: `$(info) ${vscode.l10n.t('No devices')}`, detail: vscode.l10n.t('Connect a device with USB debugging on, or start an emulator.'), alwaysShow: true });
  }

  items.push(separator(vscode.l10n.t('Device watcher: {0}', pollerStateLabel(supervisor.state))));
  const state = supervisor.state;
  if (state === 'running') {
    items.push({ label: `$(refresh) ${vscode.l10n.t('Refresh now')}`, action: 'refresh', alwaysShow: true });
    items.push({ label: `$(debug-pause) ${vscode.l10n.t('Pause watching')}`, action: 'pause', alwaysShow: true });
  } else if (state === 'paused') {
    items.push({ label: `$(debug-continue) ${vscode.l10n.t('Resume watching')}`, action: 'resume', alwaysShow: true });
  } else if (state === 'idle' || state === 'stopped' || state === 'killed' || state === 'crashed') {
    items.push({
      label: `$(play) ${vscode.l10n.t('Start watching')}`,
      detail: supervisor.lastError,
      action: 'start',
      alwaysShow: true,
    });
  }
  items.push({ label: `$(debug-restart) ${vscode.l10n.t('Restart the watcher')}`, action: 'restart', alwaysShow: true });
  items.push(separator(vscode.l10n.t('Help')));
  items.push({ label: `$(broadcast) ${vscode.l10n.t('Connect a device over Wi-Fi…')}`, action: 'connectWifi', alwaysShow: true });
  items.push({ label: `$(question) ${vscode.l10n.t('Troubleshoot: my device does not show up')}`, action: 'troubleshoot', alwaysShow: true });
  items.push({ label: `$(output) ${vscode.l10n.t('Show log')}`, action: 'showLog', alwaysShow: true });
  return items;
}
