// Gathers the facts for the Troubleshoot report (adb found and how, its version and each server's,
// the watcher's state and recent problems, every device with its fix) and opens it as a document.

import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import { AdbStatus } from '../model/adbStatus';
import { RecentLog } from '../../core/recentLog';
import { adbClientProtocolVersion, markdownCell, ServerFacts, troubleshootReport } from '../model/troubleshootReport';
import { WatcherSettings } from '../model/settings';
import { Contributions } from './capability';
import { WatcherModel } from '../model/watcherModel';
import { stateFix } from './deviceText';

export interface TroubleshootDeps {
  model: WatcherModel;
  /** Found again for the report: the user may have just installed or moved adb. */
  adb: AdbStatus;
  recent: RecentLog;
  settings(): WatcherSettings;
  /** Every setting, the capabilities' included, for the report's Settings section. */
  allSettings(): Record<string, unknown>;
  /** The capabilities' report sections. */
  contributions: Contributions;
  extensionVersion: string;
}

/** `adb version`, with an argument list and a deadline: a hung adb must not hang the report. */
function adbVersion(adbPath: string): Promise<{ client?: number; text: string }> {
  return new Promise((resolve) => {
    execFile(adbPath, ['version'], { timeout: 5000, windowsHide: true }, (error, stdout) => {
      if (error) {
        resolve({ text: `\`adb version\` failed: ${error.message}` });
        return;
      }
      const text = stdout.split('\n').filter((line) => /version/i.test(line)).join('\n').trim() || stdout.trim();
      resolve({ client: adbClientProtocolVersion(stdout), text });
    });
  });
}

export async function buildTroubleshootReport(deps: TroubleshootDeps): Promise<string> {
  const { model, adb } = deps;
  const settings = deps.settings();
  const search = await adb.refresh(settings.adbPath, process.env);
  const states = model.servers;
  const [version, servers, sections] = await Promise.all([
    search.found ? adbVersion(search.found.path) : Promise.resolve(undefined),
    Promise.all(
      states.map(async (state): Promise<ServerFacts> => {
        const answer = await model.controls.runAdbCommand({ kind: 'version', server: state.address });
        return answer.ok ? { state, version: Number(answer.message) } : { state, versionError: answer.message };
      }),
    ),
    // A section that fails says so in its place; the report still opens.
    Promise.all(
      deps.contributions.troubleshootSections.map(async ({ title, lines }) => ({
        title,
        lines: await lines(states).catch((error: Error) => [`- could not be read: ${markdownCell(error.message)}`]),
      })),
    ),
  ]);
  return troubleshootReport({
    generatedAt: new Date(),
    product: 'Android Device Watcher',
    environment: [
      `Extension ${deps.extensionVersion}; ${vscode.env.appName} ${vscode.version} (${vscode.env.appHost}); ${process.platform} ${process.arch}; Node ${process.versions.node}`,
      `Remote: ${vscode.env.remoteName ?? 'none (local window)'}; the extension runs where adb and the devices are`,
      `ANDROID_HOME=${process.env.ANDROID_HOME ?? '(unset)'}; ANDROID_SDK_ROOT=${process.env.ANDROID_SDK_ROOT ?? '(unset)'}; ANDROID_ADB_SERVER_PORT=${process.env.ANDROID_ADB_SERVER_PORT ?? '(unset)'}`,
    ],
    adb: search,
    adbVersion: version,
    servers,
    sections,
    pollerState: model.state,
    lastError: model.error,
    recent: deps.recent.entries,
    devices: model.devices,
    settings: deps.allSettings(),
    fixFor: stateFix,
  });
}

export async function showTroubleshootReport(deps: TroubleshootDeps): Promise<vscode.TextDocument> {
  const content = await buildTroubleshootReport(deps);
  const document = await vscode.workspace.openTextDocument({ content, language: 'markdown' });
  await vscode.window.showTextDocument(document, { preview: false });
  return document;
}
