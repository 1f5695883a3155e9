// Shared by the in-host tests: the extension's public API and event-driven waits on it.

import * as vscode from 'vscode';
import { AdbHostClient } from '../../../lab/adbHostClient';
import { waitUntil } from '../../../lab/wait';
import type { AndroidDeviceWatcherApi } from '../../../src/devices/ui/api';

export const EXTENSION_ID = 'android-device-watcher.android-device-watcher';
export const SECTION = 'androidDeviceWatcher';

/** The run's private adb server, which the extension under test watches (the runner passes its port). */
export function runAdbServer(): AdbHostClient {
  const port = Number(process.env.ANDROID_ADB_SERVER_PORT);
  if (!(port > 0)) throw new Error('the runner passes its private adb server in ANDROID_ADB_SERVER_PORT');
  return new AdbHostClient(port);
}

export async function activeApi(): Promise<AndroidDeviceWatcherApi> {
  const extension = vscode.extensions.getExtension<AndroidDeviceWatcherApi>(EXTENSION_ID)!;
  return extension.activate();
}

/** Resolves when `predicate` holds, checked now and on every API event; rejects after `timeoutMs`. */
export async function until(api: AndroidDeviceWatcherApi, predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  await waitUntil(predicate, timeoutMs, what, {
    on: [api.onDidChangeDevices, api.onDidChangePollerState, api.onDidChangeSelectedDevice],
    explain: () => `state ${api.pollerState}, devices ${JSON.stringify(api.devices.map((d) => [d.serial, d.state]))}`,
  });
}

/** Runs `script` in a new integrated terminal (`/bin/sh -c`), with the environment VS Code gives new terminals; resolves once it has closed. */
export async function runInNewTerminal(script: string): Promise<void> {
  const terminal = vscode.window.createTerminal({ name: 'adw probe', shellPath: '/bin/sh', shellArgs: ['-c', script] });
  await new Promise<void>((resolve) => {
    const subscription = vscode.window.onDidCloseTerminal((closed) => {
      if (closed === terminal) {
        subscription.dispose();
        resolve();
      }
    });
  });
}
