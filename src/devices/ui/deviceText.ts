// How a device and the poller read to a user: names, icons, details and the fix for each state.
// Device data is shown as plain text only (labels do not render markup; tooltips escape it).

import * as vscode from 'vscode';
import { WatcherState } from '../model/watcherModel';
import { Device, effectiveState, ServerProblem } from '../../core/types';

// The one name rule lives with the model (the troubleshoot report and the tests use it too).
export { deviceName } from '../model/deviceName';

/** Device data in a label that renders `$(icon)`: shown as typed, never as an icon. */
export function plain(text: string): string {
  return text.replace(/\$\(/g, '\\$(');
}

/**
 * Device or server text in a notification, which renders `[text](command:...)` as a live link and
 * `$(icon)` as an icon: a zero-width space breaks both, so the text reads the same and does nothing.
 */
export function inert(text: string): string {
  return text.replace(/\]\(/g, ']\u200b(').replace(/\$\(/g, '$\u200b(');
}

export function deviceIcon(device: Device): string {
  switch (device.connection) {
    case 'emulator':
      return '$(vm)';
    case 'tcp':
      return '$(broadcast)';
    default:
      return '$(device-mobile)';
  }
}

export function connectionLabel(device: Device): string {
  switch (device.connection) {
    case 'emulator':
      return vscode.l10n.t('emulator');
    case 'tcp':
      return vscode.l10n.t('Wi-Fi / TCP');
    default:
      return vscode.l10n.t('USB');
  }
}

export function stateLabel(state: string): string {
  switch (state) {
    case 'device':
      return vscode.l10n.t('ready');
    case 'offline':
      return vscode.l10n.t('offline');
    case 'unauthorized':
      return vscode.l10n.t('unauthorized');
    case 'authorizing':
      return vscode.l10n.t('authorizing');
    case 'connecting':
      return vscode.l10n.t('connecting');
    case 'booting':
      return vscode.l10n.t('booting');
    case 'no permissions':
      return vscode.l10n.t('no permissions');
    default:
      return state;
  }
}

/** What the user can do about a device that is not ready; undefined when it is ready. */
export function stateFix(device: Device): string | undefined {
  switch (effectiveState(device)) {
    case 'booting':
      return vscode.l10n.t('The emulator is starting; it is ready once its boot completes.');
    case 'device':
      return undefined;
    case 'unauthorized':
      return vscode.l10n.t('Accept the "Allow USB debugging" prompt on the device.');
    case 'authorizing':
      return vscode.l10n.t('Waiting for the device to accept the adb key.');
    case 'offline':
      return device.connection === 'tcp'
        ? vscode.l10n.t('The device stopped answering: check that it is on the same network, or reconnect it.')
        : vscode.l10n.t('Reconnect the cable, or run "adb reconnect offline".');
    case 'no permissions':
      return vscode.l10n.t('adb may not open the USB device: add a udev rule for it (or join the plugdev group).');
    case 'connecting':
      return vscode.l10n.t('adb is connecting to the device.');
    case 'recovery':
    case 'sideload':
    case 'bootloader':
    case 'rescue':
      return vscode.l10n.t('The device is in {0} mode: reboot it into Android to use it.', device.state);
    default:
      return vscode.l10n.t('adb reports the state "{0}".', device.state);
  }
}

/** Android version, API level, ABI, state: the picker's detail line. */
export function deviceSummary(device: Device): string {
  const parts: string[] = [];
  const details = device.details;
  if (details?.androidRelease) parts.push(vscode.l10n.t('Android {0}', details.androidRelease));
  if (details?.sdkLevel !== undefined) parts.push(vscode.l10n.t('API {0}', details.sdkLevel));
  if (details?.abi) parts.push(details.abi);
  parts.push(connectionLabel(device));
  parts.push(stateLabel(effectiveState(device)));
  return parts.join(' · ');
}

export function pollerStateLabel(state: WatcherState): string {
  switch (state) {
    case 'idle':
      return vscode.l10n.t('not started');
    case 'starting':
      return vscode.l10n.t('starting');
    case 'running':
      return vscode.l10n.t('running');
    case 'paused':
      return vscode.l10n.t('paused');
    case 'stopping':
      return vscode.l10n.t('stopping');
    case 'stopped':
      return vscode.l10n.t('stopped');
    case 'killed':
      return vscode.l10n.t('force-killed');
    case 'restarting':
      return vscode.l10n.t('restarting after a crash');
    case 'crashed':
      return vscode.l10n.t('crashed');
    case 'disposed':
      return vscode.l10n.t('shut down');
  }
}

/** What is wrong when no adb server answers, in the status bar's few words. */
export function serverProblemLabel(problem: ServerProblem | undefined, adbFound: boolean): string {
  switch (problem) {
    case 'adb-missing':
      return vscode.l10n.t('adb not found');
    case 'not-running':
      return adbFound ? vscode.l10n.t('adb server not running') : vscode.l10n.t('adb not found');
    case 'not-answering':
      return vscode.l10n.t('adb server not answering');
    case 'not-adb':
      return vscode.l10n.t('Not an adb server');
    case 'host-unreachable':
      return vscode.l10n.t('adb host unreachable');
    case 'closed':
      return vscode.l10n.t('adb server closed the connection');
    default:
      return vscode.l10n.t('adb server unreachable');
  }
}
