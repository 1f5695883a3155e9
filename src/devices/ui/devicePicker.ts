// The live device picker: one row per device (grouped by adb server when there are several, and
// not-ready devices apart with their fix), row buttons, the capabilities' sections (capability.ts)
// and the watcher's controls as footer rows. It redraws from the watcher model and the sections
// while open and drops its listeners when it hides.

import * as vscode from 'vscode';
import { DisposableBase, DisposableStore, MutableDisposable } from '../../core/lifecycle';
import { WatcherModel } from '../model/watcherModel';
import { Device, effectiveState } from '../../core/types';
import { Contributions, DeviceRowButton, PickerRow, PickerRowButton } from './capability';
import { deviceIcon, deviceName, deviceSummary, plain, pollerStateLabel, serverProblemLabel, stateFix } from './deviceText';

type Action = 'pause' | 'resume' | 'start' | 'restart' | 'refresh' | 'showLog' | 'setAdbPath' | 'startAdbServer' | 'connectWifi' | 'troubleshoot';

interface PickerItem extends vscode.QuickPickItem {
  device?: Device;
  action?: Action;
  /** A help row's command (a capability's). */
  command?: string;
  /** A capability's row: accepting it runs its accept. */
  row?: PickerRow;
  /** What each button does, by the button shown (a capability's buttons on rows of its own or on device rows). */
  actions?: Map<vscode.QuickInputButton, () => void>;
}

const ACTION_COMMANDS: Record<Action, string> = {
  pause: 'androidDeviceWatcher.pause',
  resume: 'androidDeviceWatcher.resume',
  start: 'androidDeviceWatcher.start',
  restart: 'androidDeviceWatcher.restart',
  refresh: 'androidDeviceWatcher.refresh',
  showLog: 'androidDeviceWatcher.showLog',
  setAdbPath: 'workbench.action.openSettings',
  startAdbServer: 'androidDeviceWatcher.startAdbServer',
  connectWifi: 'androidDeviceWatcher.connectWifi',
  troubleshoot: 'androidDeviceWatcher.troubleshoot',
};

/** What the row buttons do. */
export interface DeviceActions {
  copySerial(device: Device): Promise<void>;
  openShell(device: Device): Promise<void>;
  disconnect(device: Device): Promise<void>;
}

interface RowButtons {
  copy: vscode.QuickInputButton;
  shell: vscode.QuickInputButton;
  disconnect: vscode.QuickInputButton;
  /** A capability's button as shown; the item's `actions` knows it by identity. */
  of(button: PickerRowButton | DeviceRowButton): vscode.QuickInputButton;
}

export class DevicePicker extends DisposableBase {
  /** At most one picker is open; opening another (or disposing this) closes it. */
  private readonly open = this.register(new MutableDisposable<vscode.Disposable>());

  constructor(
    private readonly model: WatcherModel,
    private readonly actions: DeviceActions,
    private readonly contributions: Contributions,
  ) {
    super();
  }

  /** Shows the picker; resolves with the device picked (already selected), or undefined. */
  show(): Promise<Device | undefined> {
    const model = this.model;
    const store = new DisposableStore();
    const picker = store.add(vscode.window.createQuickPick<PickerItem>());
    picker.placeholder = vscode.l10n.t('Select an Android device');
    picker.matchOnDescription = true;
    picker.matchOnDetail = true;
    picker.keepScrollPosition = true;

    const buttons: RowButtons = {
      copy: { iconPath: new vscode.ThemeIcon('copy'), tooltip: vscode.l10n.t('Copy serial') },
      shell: { iconPath: new vscode.ThemeIcon('terminal'), tooltip: vscode.l10n.t('Open adb shell') },
      disconnect: { iconPath: new vscode.ThemeIcon('debug-disconnect'), tooltip: vscode.l10n.t('Disconnect (adb disconnect)') },
      of: (button) => ({ iconPath: new vscode.ThemeIcon(button.icon), tooltip: button.tooltip }),
    };
    const itemId = (item: PickerItem | undefined) => item?.device?.id ?? item?.row?.id ?? item?.action ?? item?.command;
    const sections = this.contributions.pickerSections;

    const render = () => {
      const activeId = itemId(picker.activeItems[0]);
      picker.items = buildItems(model, buttons, this.contributions);
      const state = model.state;
      picker.busy = state === 'starting' || state === 'restarting' || state === 'stopping' || (state === 'running' && model.awaitingFirstList);
      picker.title = vscode.l10n.t('Android devices ({0}) — watcher {1}', model.devices.length, pollerStateLabel(state));
      // Keep the user's place across live updates.
      const active = picker.items.find((item) => itemId(item) === activeId && item.kind !== vscode.QuickPickItemKind.Separator);
      if (active) picker.activeItems = [active];
    };
    store.add(model.onDidChange(render));
    for (const section of sections) {
      store.add(section.onDidChange(render));
      if (section.whileShown) store.add(section.whileShown());
    }
    render();

    return new Promise<Device | undefined>((resolve) => {
      let picked: Device | undefined;
      store.add(
        picker.onDidTriggerItemButton(({ item, button }) => {
          const contributed = item.actions?.get(button);
          if (contributed) {
            contributed();
            // A button on a capability's own row acts on what the row stands for: the picker is done.
            if (item.row) picker.hide();
            return;
          }
          if (!item.device) return;
          if (button === buttons.copy) void this.actions.copySerial(item.device);
          else if (button === buttons.shell) void this.actions.openShell(item.device);
          else if (button === buttons.disconnect) void this.actions.disconnect(item.device);
        }),
      );
      store.add(
        picker.onDidAccept(() => {
          const item = picker.selectedItems[0];
          if (item?.device) {
            picked = item.device;
            model.select(item.device);
          } else if (item?.row) {
            item.row.accept();
          } else if (item?.command) {
            void vscode.commands.executeCommand(item.command);
          } else if (item?.action) {
            const args = item.action === 'setAdbPath' ? ['androidDeviceWatcher.adbPath'] : [];
            void vscode.commands.executeCommand(ACTION_COMMANDS[item.action], ...args);
          }
          picker.hide();
        }),
      );
      // Hiding (by the user, by another picker, or by dispose) ends it all: listeners, picker, promise.
      store.add(picker.onDidHide(() => this.open.clear()));
      store.add({ dispose: () => resolve(picked) });
      this.open.value = { dispose: () => store.dispose() };
      picker.show();
    });
  }
}

function sharedSerialNote(device: Device): string {
  return vscode.l10n.t('another device has the same serial; adb tells them apart by transport id {0} (adb -t {0})', device.transportId ?? '?');
}

/** A row's buttons, with what each does when it is a capability's. */
function withButtons(standard: readonly vscode.QuickInputButton[], contributed: readonly { button: vscode.QuickInputButton; run: () => void }[]): Pick<PickerItem, 'buttons' | 'actions'> {
  return {
    buttons: [...standard, ...contributed.map(({ button }) => button)],
    actions: contributed.length > 0 ? new Map(contributed.map(({ button, run }) => [button, run])) : undefined,
  };
}

function buildItems(model: WatcherModel, buttons: RowButtons, contributions: Contributions): PickerItem[] {
  const devices = model.devices;
  const servers = model.servers;
  const selected = model.selection;
  const items: PickerItem[] = [];

  if (model.allServersUnreachable) {
    const found = model.adb?.found;
    items.push({
      label: `$(warning) ${serverProblemLabel(model.unreachableProblem, !!found)}`,
      detail: plain(servers.map((s) => s.error ?? s.address).join(' · ')),
      action: found ? 'showLog' : 'setAdbPath',
      alwaysShow: true,
    });
    if (!found) items.push({ label: `$(gear) ${vscode.l10n.t('Set the adb path…')}`, action: 'setAdbPath', alwaysShow: true });
  }
  const startable = model.startableServers;
  if (startable.length > 0 && model.adb?.found) {
    items.push({ label: `$(play) ${vscode.l10n.t('Start the adb server')}`, description: startable.join(', '), action: 'startAdbServer', alwaysShow: true });
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
      detail: plain([deviceSummary(device), fix, device.sharesSerial ? sharedSerialNote(device) : undefined].filter(Boolean).join(' — ')),
      device,
      ...withButtons(
        [buttons.copy, ...(device.state === 'device' ? [buttons.shell] : []), ...(device.connection === 'tcp' ? [buttons.disconnect] : [])],
        contributions.deviceButtons.filter((button) => button.appliesTo(device)).map((button) => ({ button: buttons.of(button), run: () => button.run(device) })),
      ),
    };
  };
  const separator = (label: string): PickerItem => ({ label, kind: vscode.QuickPickItemKind.Separator });
  const groups = servers.length > 1 ? servers.map((s) => s.address) : [undefined];
  for (const server of groups) {
    const mine = devices.filter((d) => server === undefined || d.server === server);
    const ready = mine.filter((d) => effectiveState(d) === 'device');
    const notReady = mine.filter((d) => effectiveState(d) !== 'device');
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
  if (devices.length === 0 && model.state === 'running' && !model.allServersUnreachable && !model.awaitingFirstList) {
    items.push({ label: `$(info) ${vscode.l10n.t('No devices')}`, detail: vscode.l10n.t('Connect a device with USB debugging on, or start an emulator.'), alwaysShow: true });
  }

  for (const section of contributions.pickerSections) {
    const rows = section.rows(devices);
    if (rows.length === 0) continue;
    items.push(separator(section.title));
    for (const row of rows) {
      items.push({
        label: row.label,
        description: row.description,
        detail: row.detail,
        row,
        ...withButtons([], (row.buttons ?? []).map((button) => ({ button: buttons.of(button), run: button.run }))),
      });
    }
  }

  items.push(separator(vscode.l10n.t('Device watcher: {0}', pollerStateLabel(model.state))));
  const state = model.state;
  if (state === 'running') {
    items.push({ label: `$(refresh) ${vscode.l10n.t('Refresh now')}`, action: 'refresh', alwaysShow: true });
    items.push({ label: `$(debug-pause) ${vscode.l10n.t('Pause watching')}`, action: 'pause', alwaysShow: true });
  } else if (state === 'paused') {
    items.push({ label: `$(debug-continue) ${vscode.l10n.t('Resume watching')}`, action: 'resume', alwaysShow: true });
  } else if (state === 'idle' || state === 'stopped' || state === 'killed' || state === 'crashed') {
    items.push({
      label: `$(play) ${vscode.l10n.t('Start watching')}`,
      detail: model.error,
      action: 'start',
      alwaysShow: true,
    });
  }
  items.push({ label: `$(debug-restart) ${vscode.l10n.t('Restart the watcher')}`, action: 'restart', alwaysShow: true });
  items.push(separator(vscode.l10n.t('Help')));
  items.push({ label: `$(broadcast) ${vscode.l10n.t('Connect a device over Wi-Fi…')}`, action: 'connectWifi', alwaysShow: true });
  for (const help of contributions.helpRows) items.push({ label: `$(${help.icon}) ${help.label}`, command: help.command, alwaysShow: true });
  items.push({ label: `$(question) ${vscode.l10n.t('Troubleshoot: my device does not show up')}`, action: 'troubleshoot', alwaysShow: true });
  items.push({ label: `$(output) ${vscode.l10n.t('Show log')}`, action: 'showLog', alwaysShow: true });
  return items;
}
