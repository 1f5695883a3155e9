// Shared by the in-host tests: the extension's public API and event-driven waits on it.

import * as vscode from 'vscode';
import type { AndroidDeviceWatcherApi } from '../../../src/ui/api';

export const EXTENSION_ID = 'android-device-watcher.android-device-watcher';
export const SECTION = 'androidDeviceWatcher';

export async function activeApi(): Promise<AndroidDeviceWatcherApi> {
  const extension = vscode.extensions.getExtension<AndroidDeviceWatcherApi>(EXTENSION_ID)!;
  return extension.activate();
}

/** Resolves when `predicate` holds, checked now and on every API event; rejects after `timeoutMs`. */
export function until(api: AndroidDeviceWatcherApi, predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  if (predicate()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const subscriptions: vscode.Disposable[] = [];
    const finish = (error?: Error) => {
      clearTimeout(timer);
      subscriptions.forEach((s) => s.dispose());
      if (error) reject(error);
      else resolve();
    };
    const check = () => predicate() && finish();
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; state ${api.pollerState}, devices ${JSON.stringify(api.devices.map((d) => [d.serial, d.state]))}`)), timeoutMs);
    subscriptions.push(api.onDidChangeDevices(check), api.onDidChangePollerState(check), api.onDidChangeSelectedDevice(check));
  });
}

