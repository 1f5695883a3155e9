// Validates what a user types to connect a device over Wi-Fi: `host[:port]`, port 5555 by default.
// The result goes to adb as one protocol string (`host:connect:ADDRESS`), never through a shell.

export const DEFAULT_WIFI_PORT = 5555;

export type WifiAddressProblem = 'empty' | 'format' | 'port';

export function parseWifiAddress(text: string): { address: string } | { problem: WifiAddressProblem } {
  const value = text.trim();
  if (value.length === 0) return { problem: 'empty' };
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9][A-Za-z0-9.-]*))(?::(\d{1,5}))?$/.exec(value);
  if (!match) return { problem: 'format' };
  const port = match[3] === undefined ? DEFAULT_WIFI_PORT : Number(match[3]);
  if (port < 1 || port > 65535) return { problem: 'port' };
  const host = match[1] !== undefined ? `[${match[1]}]` : match[2];
  return { address: `${host}:${port}` };
}
