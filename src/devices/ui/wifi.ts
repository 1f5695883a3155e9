// Connect a device over Wi-Fi (adb connect host:port) and disconnect a TCP device, run by the
// worker on the chosen adb server; the device then appears or leaves by the usual push and poll.

import * as vscode from 'vscode';
import { parseWifiAddress, AddressProblem } from '../../core/address';
import { WatcherModel } from '../model/watcherModel';
import { CommandResult, Device } from '../../core/types';
import { inert } from './deviceText';

function problemText(problem: AddressProblem): string {
  switch (problem) {
    case 'empty':
      return vscode.l10n.t('Enter an address such as 192.168.1.20:5555');
    case 'format':
      return vscode.l10n.t('Use host:port, for example 192.168.1.20:5555 or [fe80::1]:5555');
    case 'port':
      return vscode.l10n.t('The port must be from 1 to 65535');
  }
}

/** With `address` (from a command argument) no input box is shown; returns adb's answer. */
export async function connectOverWifi(model: WatcherModel, address?: string, server?: string): Promise<CommandResult | undefined> {
  const typed =
    address ??
    (await vscode.window.showInputBox({
      title: vscode.l10n.t('Connect a device over Wi-Fi'),
      prompt: vscode.l10n.t('The device\'s address: on the device, Developer options › Wireless debugging (or `adb tcpip 5555` over USB first).'),
      placeHolder: '192.168.1.20:5555',
      ignoreFocusOut: true,
      validateInput: (value) => {
        const parsed = parseWifiAddress(value);
        return 'problem' in parsed ? problemText(parsed.problem) : undefined;
      },
    }));
  if (typed === undefined) return undefined;
  const parsed = parseWifiAddress(typed);
  if ('problem' in parsed) {
    void vscode.window.showErrorMessage(problemText(parsed.problem));
    return { ok: false, message: problemText(parsed.problem) };
  }
  const target = server ?? (await chooseServer(model));
  if (!target) return undefined;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Connecting to {0}…', parsed.address) },
    () => model.controls.runAdbCommand({ kind: 'connect', server: target, address: parsed.address }),
  );
  if (result.ok) void vscode.window.showInformationMessage(vscode.l10n.t('adb: {0}', inert(result.message)));
  else void vscode.window.showErrorMessage(vscode.l10n.t('Could not connect {0}: {1}', parsed.address, inert(result.message)));
  return result;
}

export async function disconnectDevice(model: WatcherModel, device: Device): Promise<CommandResult> {
  const result = await model.controls.runAdbCommand({ kind: 'disconnect', server: device.server, serial: device.serial });
  if (!result.ok) void vscode.window.showErrorMessage(vscode.l10n.t('Could not disconnect {0}: {1}', inert(device.serial), inert(result.message)));
  return result;
}

export async function chooseServer(model: WatcherModel): Promise<string | undefined> {
  const servers = model.configuredServers;
  if (servers.length <= 1) return servers[0];
  return vscode.window.showQuickPick([...servers], { title: vscode.l10n.t('Which adb server connects the device?') });
}
