// The extension's settings, validated: a bad value gets a warning naming the setting and a sane
// fallback, never a crash. No `vscode` import: the UI passes a reader over the configuration.

import * as path from 'node:path';
import { DEFAULT_POLLER_CONFIG } from '../shared/types';
import { parseServerAddress } from '../shared/address';

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

type Reader = (key: keyof WatcherSettings) => unknown;

function integerIn(key: string, value: unknown, min: number, max: number, fallback: number, warnings: string[]): number {
  if (value === undefined || value === null) {
    return fallback;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    warnings.push(`${SETTINGS_SECTION}.${key}: ${JSON.stringify(value)} is not a whole number from ${min} to ${max}; using ${fallback}`);
    return fallback;
  }
  return value;
}

function boolean(key: string, value: unknown, fallback: boolean, warnings: string[]): boolean {
  if (value === undefined || value === null) {
    return fallback;
  }
  if (typeof value !== 'boolean') {
    warnings.push(`${SETTINGS_SECTION}.${key}: ${JSON.stringify(value)} is not true or false; using ${fallback}`);
    return fallback;
  }
  return value;
}

/** The local server adb itself would use: ANDROID_ADB_SERVER_PORT, or 5037. */
export function defaultServer(env: NodeJS.ProcessEnv): string {
  const port = Number(env.ANDROID_ADB_SERVER_PORT);
  return `127.0.0.1:${Number.isInteger(port) && port > 0 && port < 65536 ? port : 5037}`;
}

export function readSettings(read: Reader, env: NodeJS.ProcessEnv): ReadSettings {
  const warnings: string[] = [];

  let adbPath = read('adbPath');
  if (adbPath === undefined || adbPath === null) {
    adbPath = '';
  }
  if (typeof adbPath !== 'string') {
    warnings.push(`${SETTINGS_SECTION}.adbPath: ${JSON.stringify(adbPath)} is not a path; looking for adb in the Android SDK and on PATH`);
    adbPath = '';
  } else if (adbPath !== '' && !path.isAbsolute(adbPath)) {
    warnings.push(`${SETTINGS_SECTION}.adbPath: "${adbPath}" is not an absolute path; looking for adb in the Android SDK and on PATH`);
    adbPath = '';
  }

  const rawServers = read('adbServers');
  let adbServers: string[] = [];
  if (Array.isArray(rawServers)) {
    for (const entry of rawServers) {
      if (typeof entry === 'string' && parseServerAddress(entry)) {
        const { host, port } = parseServerAddress(entry)!;
        const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
        if (!adbServers.includes(address)) adbServers.push(address);
      } else {
        warnings.push(`${SETTINGS_SECTION}.adbServers: ${JSON.stringify(entry)} is not host:port; ignoring it`);
      }
    }
  } else if (rawServers !== undefined && rawServers !== null) {
    warnings.push(`${SETTINGS_SECTION}.adbServers: expected a list of host:port; using the local server`);
  }
  if (adbServers.length === 0) {
    adbServers = [defaultServer(env)];
  }

  return {
    settings: {
      adbPath: adbPath as string,
      adbServers,
      pollIntervalMs: integerIn('pollIntervalMs', read('pollIntervalMs'), 250, 60_000, DEFAULT_POLLER_CONFIG.pollIntervalMs, warnings),
      stopDeadlineMs: integerIn('stopDeadlineMs', read('stopDeadlineMs'), 100, 30_000, 2000, warnings),
      startAdbServer: boolean('startAdbServer', read('startAdbServer'), false, warnings),
      notifyOnDisconnect: boolean('notifyOnDisconnect', read('notifyOnDisconnect'), true, warnings),
      setAndroidSerial: boolean('setAndroidSerial', read('setAndroidSerial'), true, warnings),
    },
    warnings,
  };
}
