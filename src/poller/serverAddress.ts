// adb server addresses as users write them in settings; shared by the worker and the settings
// validation (kept apart from the adb client so the extension bundle does not pull in adbkit).

export interface AdbServerAddress {
  host: string;
  port: number;
}

/** `host:port`, `[v6]:port` or `port`; undefined when malformed. */
export function parseServerAddress(text: string): AdbServerAddress | undefined {
  const trimmed = text.trim();
  const match = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):)?(\d{1,5})$/.exec(trimmed);
  if (!match) {
    return undefined;
  }
  const port = Number(match[3]);
  if (port < 1 || port > 65535) {
    return undefined;
  }
  const host = match[1] ?? match[2] ?? '127.0.0.1';
  return { host, port };
}
