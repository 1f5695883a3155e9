// The extension's settings, validated: a bad value gets a warning naming the setting and a sane
// fallback, never a crash. No `vscode` import: the UI passes a reader over the configuration.

import * as path from 'node:path';
import { DEFAULT_POLLER_CONFIG } from '../../core/types';
import { formatHostPort, parseHostPort, parseServerAddress } from '../../core/address';

export const SETTINGS_SECTION = 'androidDeviceWatcher';

export interface WatcherSettings {
  adbPath: string;
  adbServers: string[];
  pollIntervalMs: number;
  stopDeadlineMs: number;
  startAdbServer: boolean;
  notifyOnDisconnect: boolean;
  setAndroidSerial: boolean;
}

export interface ReadSettings {
  settings: WatcherSettings;
  /** One sentence per bad value, naming the setting and the fallback used. */
  warnings: string[];
}

/** Reads one key of the extension's section (a capability reads its own keys with it). */
export type SettingReader = (key: string) => unknown;

// The validators below are shared by every capability's settings (devices/ui/capability.ts).

export function integerIn(key: string, value: unknown, min: number, max: number, fallback: number, warnings: string[]): number {
  if (value === undefined || value === null) {
    return fallback;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    warnings.push(`${SETTINGS_SECTION}.${key}: ${JSON.stringify(value)} is not a whole number from ${min} to ${max}; using ${fallback}`);
    return fallback;
  }
  return value;
}

/** An absolute path (or `~/...`) to an executable, or '' to look for it in the SDK and on PATH. */
export function executablePath(key: string, tool: string, value: unknown, warnings: string[]): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') {
    warnings.push(`${SETTINGS_SECTION}.${key}: ${JSON.stringify(value)} is not a path; looking for ${tool} in the Android SDK and on PATH`);
    return '';
  }
  if (value !== '' && !path.isAbsolute(value) && !/^~([/\\]|$)/.test(value)) {
    warnings.push(`${SETTINGS_SECTION}.${key}: "${value}" is not an absolute path; looking for ${tool} in the Android SDK and on PATH`);
    return '';
  }
  return value;
}

export function boolean(key: string, value: unknown, fallback: boolean, warnings: string[]): boolean {
  if (value === undefined || value === null) {
    return fallback;
  }
  if (typeof value !== 'boolean') {
    warnings.push(`${SETTINGS_SECTION}.${key}: ${JSON.stringify(value)} is not true or false; using ${fallback}`);
    return fallback;
  }
  return value;
}

/** The server a plain `adb` would reach from this environment, and what says so. */
export interface DefaultServer {
  address: string;
  source: 'ADB_SERVER_SOCKET' | 'ANDROID_ADB_SERVER_ADDRESS' | 'ANDROID_ADB_SERVER_PORT' | 'default';
  /** A variable that is set but unusable, and what is used instead. */
  warning?: string;
}

/**
 * adb's own order (its command line reads these when no -H/-P/-L is given): `ADB_SERVER_SOCKET`
 * (`tcp:host:port` or `tcp:port`), else `ANDROID_ADB_SERVER_ADDRESS` (a host) with
 * `ANDROID_ADB_SERVER_PORT`, else port 5037 on the local host. Docker, WSL and SSH-forwarded
 * setups rely on these.
 */
export function defaultServer(env: NodeJS.ProcessEnv): DefaultServer {
  const warnings: string[] = [];
  const socket = env.ADB_SERVER_SOCKET?.trim();
  if (socket) {
    const match = /^tcp:(.+)$/.exec(socket);
    const parsed = match && parseServerAddress(match[1]);
    if (parsed) return { address: formatAddress(parsed.host, parsed.port), source: 'ADB_SERVER_SOCKET' };
    warnings.push(`ADB_SERVER_SOCKET=${JSON.stringify(socket)} is not tcp:host:port`);
  }
  const rawPort = env.ANDROID_ADB_SERVER_PORT?.trim();
  let port = 5037;
  if (rawPort) {
    const parsed = /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : NaN;
    if (parsed >= 1 && parsed <= 65535) port = parsed;
    else warnings.push(`ANDROID_ADB_SERVER_PORT=${JSON.stringify(rawPort)} is not a port`);
  }
  const host = env.ANDROID_ADB_SERVER_ADDRESS?.trim();
  let address: DefaultServer | undefined;
  if (host) {
    const parsed = parseHostPort(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host, { port });
    if ('problem' in parsed) warnings.push(`ANDROID_ADB_SERVER_ADDRESS=${JSON.stringify(host)} is not a host name or address`);
    else address = { address: formatAddress(parsed.host, parsed.port), source: 'ANDROID_ADB_SERVER_ADDRESS' };
  }
  address ??= { address: `127.0.0.1:${port}`, source: port === 5037 ? 'default' : 'ANDROID_ADB_SERVER_PORT' };
  return warnings.length > 0 ? { ...address, warning: `${warnings.join('; ')}; using ${address.address}` } : address;
}

/**
 * adb's socket spec for a server address as settings hold it (`host:port`, `[v6]:port`): the form
 * `ADB_SERVER_SOCKET` takes. adb misreads an IPv6 host given with -H, so this is how a terminal or
 * task reaches any server.
 */
export function adbServerSocket(address: string): string {
  return `tcp:${address}`;
}

/** `host:port`, with brackets around an IPv6 address, as settings and adb write it. */
export function formatAddress(host: string, port: number): string {
  return formatHostPort({ host, port });
}

export function readSettings(read: SettingReader, env: NodeJS.ProcessEnv): ReadSettings {
  const warnings: string[] = [];

  const adbPath = executablePath('adbPath', 'adb', read('adbPath'), warnings);

  const rawServers = read('adbServers');
  let adbServers: string[] = [];
  if (Array.isArray(rawServers)) {
    for (const entry of rawServers) {
      if (typeof entry === 'string' && parseServerAddress(entry)) {
        const { host, port } = parseServerAddress(entry)!;
        const address = formatAddress(host, port);
        if (!adbServers.includes(address)) adbServers.push(address);
      } else {
        warnings.push(`${SETTINGS_SECTION}.adbServers: ${JSON.stringify(entry)} is not host:port; ignoring it`);
      }
    }
  } else if (rawServers !== undefined && rawServers !== null) {
    warnings.push(`${SETTINGS_SECTION}.adbServers: expected a list of host:port; using the local server`);
  }
  if (adbServers.length === 0) {
    const fallback = defaultServer(env);
    if (fallback.warning) warnings.push(fallback.warning);
    adbServers = [fallback.address];
  }

  return {
    settings: {
      adbPath,
      adbServers,
      pollIntervalMs: integerIn('pollIntervalMs', read('pollIntervalMs'), 250, 60_000, DEFAULT_POLLER_CONFIG.pollIntervalMs, warnings),
      stopDeadlineMs: integerIn('stopDeadlineMs', read('stopDeadlineMs'), 100, 30_000, 2000, warnings),
      startAdbServer: boolean('startAdbServer', read('startAdbServer'), true, warnings),
      notifyOnDisconnect: boolean('notifyOnDisconnect', read('notifyOnDisconnect'), true, warnings),
      setAndroidSerial: boolean('setAndroidSerial', read('setAndroidSerial'), true, warnings),
    },
    warnings,
  };
}
