// Activation: start the device poller in its worker and log what it sees; deactivation returns
// the poller's dispose promise so VS Code waits for a clean stop.

import * as vscode from 'vscode';
import { DEFAULT_POLLER_CONFIG } from './poller/protocol';
import { PollerSupervisor } from './supervisor/pollerSupervisor';

let supervisor: PollerSupervisor | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Android Device Watcher', { log: true });
  context.subscriptions.push(log);

  const poller = new PollerSupervisor({
    workerScript: vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath,
    config: DEFAULT_POLLER_CONFIG,
  });
  supervisor = poller;
  context.subscriptions.push(
    poller.onLog(({ level, message }) => log[level](message)),
    poller.onDidChangeState(({ previous, state, reason }) =>
      log.info(`poller ${previous} -> ${state}${reason ? ` (${reason})` : ''}`),
    ),
    poller.onDidChangeDevices(({ changes }) => {
      for (const device of changes.added) log.info(`device added: ${device.serial} (${device.state})`);
      for (const device of changes.changed) log.info(`device changed: ${device.serial} (${device.state})`);
      for (const device of changes.removed) log.info(`device removed: ${device.serial}`);
    }),
  );
  // Not awaited: activation returns at once; a failed start is logged and shown as the poller's state.
  poller.start().catch((error: Error) => log.error(`the device poller did not start: ${error.message}`));
}

export function deactivate(): Promise<void> | undefined {
  const poller = supervisor;
  supervisor = undefined;
  return poller?.dispose();
}
