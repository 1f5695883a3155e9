// The Troubleshoot report: everything needed to answer "my device does not show up", as a
// Markdown document a user can read and paste into a bug report. Pure: the UI gathers the facts.

import { AdbSearch } from '../../core/adbLocator';
import { deviceName } from './deviceName';
import { PairingSupport } from '../../pairing/model/pairingFlow';
import { Device, LogLine, ServerState } from '../../core/types';
import { PAIRING_MIN_PLATFORM_TOOLS } from '../../pairing/model/wirelessPairing';

export interface ServerFacts {
  state: ServerState;
  /** The server's protocol version (41 for adb 1.0.41), or why it could not be read. */
  version?: number;
  versionError?: string;
  /** What it answered to `host:mdns:check`: whether it pairs, and by QR code. */
  pairing?: PairingSupport;
}

export interface TroubleshootFacts {
  generatedAt: Date;
  product: string;
  environment: string[];
  adb: AdbSearch;
  /** `adb version` output's first line and the package version line, or an error. */
  adbVersion?: { client?: number; text: string };
  servers: ServerFacts[];
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
function cell(text: string | number | undefined): string {
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

/** What wireless pairing can do through one server, and why. */
export function pairingLine(pairing: PairingSupport): string {
  switch (pairing.can) {
    case 'qr':
      return `pairs with a QR code or a pairing code (${cell(pairing.message)})`;
    case 'none':
      return `cannot pair: too old (platform-tools ${PAIRING_MIN_PLATFORM_TOOLS} or newer has \`adb pair\`)`;
    case 'code':
      return pairing.builtWithoutMdns
        ? "pairs with a pairing code only: this adb was built without mDNS discovery (as the Linux distributions' adb packages are), so it cannot find the phone that scans a QR code, nor connect a paired phone by itself. Pair with a code and the address the phone shows, then connect to the address under Wireless debugging; Google's platform-tools have mDNS."
        : `pairs with a pairing code only: its mDNS discovery does not run (${cell(pairing.message)}), so it cannot find the phone that scans a QR code.`;
  }
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
    let version = server.version !== undefined ? String(server.version) : cell(server.versionError);
    if (server.version !== undefined && client !== undefined) {
      version += server.version === client ? ' (matches adb)' : ` (**adb is ${client}: mismatch**; adb restarts the server when they differ)`;
    }
    const status = server.state.status + (server.state.error ? `: ${cell(server.state.error)}` : '');
    out.push(`| ${cell(server.state.address)} | ${status} | ${version} | ${serverHint(server.state)} |`);
  }

  const pairing = facts.servers.filter((server) => server.pairing);
  if (pairing.length > 0) {
    out.push('', '## Wireless pairing', '');
    for (const server of pairing) out.push(`- ${cell(server.state.address)}: ${pairingLine(server.pairing!)}`);
  }

  out.push('', '## Device watcher', '', `- State: ${facts.pollerState}`);
  if (facts.lastError) out.push(`- Last error: ${cell(facts.lastError)}`);
  if (facts.recent.length > 0) {
    out.push('- Recent warnings and errors:');
    for (const line of facts.recent) out.push(`  - ${new Date(line.at).toISOString()} ${line.level}: ${cell(line.message)}`);
  }

  out.push('', '## Devices', '');
  if (facts.devices.length === 0) {
    out.push('No device is listed by any adb server. Check the cable and that USB debugging is on; for Wi-Fi, use "Connect a device over Wi-Fi" in the picker.');
  } else {
    out.push('| device | serial | server | state | what to do |', '| --- | --- | --- | --- | --- |');
    for (const device of facts.devices) {
      const name = deviceName(device);
      out.push(`| ${cell(name)} | ${cell(device.serial)} | ${cell(device.server)} | ${cell(device.state)} | ${cell(facts.fixFor(device)) === '—' ? 'ready' : cell(facts.fixFor(device))} |`);
    }
  }

  out.push('', '## Settings', '', '```json', JSON.stringify(facts.settings, null, 2), '```', '');
  return out.join('\n');
}
