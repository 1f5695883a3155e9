// The Troubleshoot report: everything needed to answer "my device does not show up", as a
// Markdown document a user can read and paste into a bug report. Pure: the UI gathers the facts.

import { AdbSearch } from '../../core/adbLocator';
import { deviceName } from './deviceName';
import { Device, LogLine, ServerState } from '../../core/types';

export interface ServerFacts {
  state: ServerState;
  /** The server's protocol version (41 for adb 1.0.41), or why it could not be read. */
  version?: number;
  versionError?: string;
}

/** A capability's section: its title and Markdown lines (device data already in markdownCell). */
export interface ReportSection {
  title: string;
  lines: string[];
}

export interface TroubleshootFacts {
  generatedAt: Date;
  product: string;
  environment: string[];
  adb: AdbSearch;
  /** `adb version` output's first line and the package version line, or an error. */
  adbVersion?: { client?: number; text: string };
  servers: ServerFacts[];
  /** The capabilities' sections, after the servers. */
  sections: ReportSection[];
  pollerState: string;
  lastError?: string;
  recent: readonly LogLine[];
  devices: readonly Device[];
  settings: Record<string, unknown>;
  fixFor(device: Device): string | undefined;
}

/** `Android Debug Bridge version 1.0.41` -> 41, the number the server reports. */
export function adbClientProtocolVersion(versionText: string): number | undefined {
  const match = /Android Debug Bridge version \d+\.\d+\.(\d+)/.exec(versionText);
  return match ? Number(match[1]) : undefined;
}

/** Device data is untrusted: keep it inside a table cell and out of Markdown syntax. */
export function markdownCell(text: string | number | undefined): string {
  if (text === undefined || text === '') return '—';
  return String(text).replace(/[\r\n]+/g, ' ').replace(/([\\`*_{}[\]()#+!|<>~])/g, '\\$1').slice(0, 300);
}

function serverHint(state: ServerState): string {
  if (state.status === 'connected') return 'answering';
  const error = state.error ?? '';
  if (/connection refused/.test(error)) return 'No adb server runs there: use the picker\'s "Start the adb server" or run `adb start-server`; with `androidDeviceWatcher.startAdbServer` on (the default) the watcher starts a local one by itself.';
  if (/not an adb server/.test(error)) return 'Another program uses this port: check `androidDeviceWatcher.adbServers` and `ANDROID_ADB_SERVER_PORT`.';
  if (/did not answer/.test(error)) return 'The server is hung: `adb kill-server`, then `adb start-server`.';
  if (/not found/.test(error)) return 'Install the Android SDK platform-tools, or set `androidDeviceWatcher.adbPath`.';
  return 'See the log (Android Devices: Show Device Watcher Log).';
}

export function troubleshootReport(facts: TroubleshootFacts): string {
  const out: string[] = [];
  out.push(`# ${facts.product}: Troubleshoot`, '');
  out.push(`Generated ${facts.generatedAt.toISOString()}.`, '');
  for (const line of facts.environment) out.push(`- ${line}`);
  out.push('', '## adb executable', '');
  out.push('Looked at, in order:', '');
  facts.adb.tried.forEach((tried, i) => out.push(`${i + 1}. ${tried.source}: \`${tried.path}\`: ${tried.problem}`));
  if (facts.adb.found) {
    out.push(`${facts.adb.tried.length + 1}. ${facts.adb.found.source}: \`${facts.adb.found.path}\`: **used**`);
  } else {
    out.push('', '**Not found.** Install Android Studio or the Android SDK platform-tools (Debian: `apt install adb`), or set `androidDeviceWatcher.adbPath`.');
  }
  out.push('');
  if (facts.adbVersion) out.push(`- Version: ${facts.adbVersion.text.replace(/\n/g, '; ')}`);

  out.push('', '## adb servers', '', '| server | status | server version | what to do |', '| --- | --- | --- | --- |');
  for (const server of facts.servers) {
    const client = facts.adbVersion?.client;
    let version = server.version !== undefined ? String(server.version) : markdownCell(server.versionError);
    if (server.version !== undefined && client !== undefined) {
      version += server.version === client ? ' (matches adb)' : ` (**adb is ${client}: mismatch**; adb restarts the server when they differ)`;
    }
    const status = server.state.status + (server.state.error ? `: ${markdownCell(server.state.error)}` : '');
    out.push(`| ${markdownCell(server.state.address)} | ${status} | ${version} | ${serverHint(server.state)} |`);
  }

  for (const section of facts.sections) {
    if (section.lines.length > 0) out.push('', `## ${section.title}`, '', ...section.lines);
  }

  out.push('', '## Device watcher', '', `- State: ${facts.pollerState}`);
  if (facts.lastError) out.push(`- Last error: ${markdownCell(facts.lastError)}`);
  if (facts.recent.length > 0) {
    out.push('- Recent warnings and errors:');
    for (const line of facts.recent) out.push(`  - ${new Date(line.at).toISOString()} ${line.level}: ${markdownCell(line.message)}`);
  }

  out.push('', '## Devices', '');
  if (facts.devices.length === 0) {
    out.push('No device is listed by any adb server. Check the cable and that USB debugging is on; for Wi-Fi, use "Connect a device over Wi-Fi" in the picker.');
  } else {
    out.push('| device | serial | server | state | what to do |', '| --- | --- | --- | --- | --- |');
    for (const device of facts.devices) {
      const name = deviceName(device);
      out.push(`| ${markdownCell(name)} | ${markdownCell(device.serial)} | ${markdownCell(device.server)} | ${markdownCell(device.state)} | ${markdownCell(facts.fixFor(device)) === '—' ? 'ready' : markdownCell(facts.fixFor(device))} |`);
    }
  }

  out.push('', '## Settings', '', '```json', JSON.stringify(facts.settings, null, 2), '```', '');
  return out.join('\n');
}
