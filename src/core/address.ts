// `host:port` as users write it: adb server addresses in settings (a bare port means the local
// host) and device addresses to connect over Wi-Fi (a bare host means adb's port 5555). One parser
// for both; the result goes to adb only as protocol data, never through a shell.

import * as net from 'node:net';

export interface HostPort {
  host: string;
  port: number;
}

export type AddressProblem = 'empty' | 'format' | 'port';

export const DEFAULT_WIFI_PORT = 5555;

const HOST_PORT = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9][A-Za-z0-9.-]*))(?::(\d{1,5}))?$/;

/**
 * `host:port`, `[v6]:port`, or one half with the other from `defaults`: a bare number is a port
 * when a default host is given, otherwise it is a host.
 */
export function parseHostPort(text: string, defaults: { host?: string; port?: number }): HostPort | { problem: AddressProblem } {
  const value = text.trim();
  if (value.length === 0) return { problem: 'empty' };
  if (defaults.host !== undefined && /^\d{1,5}$/.test(value)) return checkPort(defaults.host, Number(value));
  const match = HOST_PORT.exec(value);
  if (!match) return { problem: 'format' };
  const host = match[1] ?? match[2];
  if (match[3] !== undefined) return checkPort(host, Number(match[3]));
  return defaults.port === undefined ? { problem: 'format' } : checkPort(host, defaults.port);
}

function checkPort(host: string, port: number): HostPort | { problem: AddressProblem } {
  return port >= 1 && port <= 65535 ? { host, port } : { problem: 'port' };
}

/** An adb server address from settings: `host:port`, `[v6]:port` or `port`; undefined when malformed. */
export function parseServerAddress(text: string): HostPort | undefined {
  const parsed = parseHostPort(text, { host: '127.0.0.1' });
  return 'problem' in parsed ? undefined : parsed;
}

/** A device address for `adb connect`, normalized to adb's form (`[v6]:port`); port 5555 by default. */
export function parseWifiAddress(text: string): { address: string } | { problem: AddressProblem } {
  const parsed = parseHostPort(text, { port: DEFAULT_WIFI_PORT });
  return 'problem' in parsed ? parsed : { address: formatHostPort(parsed) };
}

/** adb's form of an address: `host:port`, an IPv6 host in brackets (`[fe80::1]:37000`). */
export function formatHostPort({ host, port }: HostPort): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** 127.0.0.0/8, ::1, localhost: the only addresses where `adb start-server` can start the watched server. */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const family = net.isIP(host);
  return family !== 0 && LOOPBACK.check(host, family === 6 ? 'ipv6' : 'ipv4');
}

/** The port of an adb server address on this machine (loopback); undefined for any other or a bad address. */
export function localServerPort(address: string): number | undefined {
  const endpoint = parseServerAddress(address);
  return endpoint && isLoopbackHost(endpoint.host) ? endpoint.port : undefined;
}
