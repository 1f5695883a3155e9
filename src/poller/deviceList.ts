// Parses the long device list that both `host:devices-l` (poll) and `host:track-devices-l` (push)
// return. adbkit's listDevicesWithPaths mis-parses TCP serials, so the lines are read here:
//   SERIAL  STATE [explanation] key:value key:value ...
// A state may hold spaces (`no permissions (...)`); unknown states and keys are kept, not dropped.

import { ConnectionKind, Device, DeviceState, KNOWN_DEVICE_STATES } from './protocol';

// Longest first so that `no permissions` wins over a one-word prefix.
const MULTI_WORD_STATES = KNOWN_DEVICE_STATES.filter((state) => state.includes(' '));
const KEY_VALUE = /^([a-z_]+):(.*)$/;
const MAX_LINE_LENGTH = 16 * 1024;

export function connectionKindOf(serial: string): ConnectionKind {
  if (/^emulator-\d+$/.test(serial)) {
    return 'emulator';
  }
  // host:port, [ipv6]:port, or an mDNS service name of a Wi-Fi paired device.
  if (/:\d+$/.test(serial) || /\._adb(-tls-connect)?\._tcp/.test(serial)) {
    return 'tcp';
  }
  return 'usb';
}

export function parseDeviceLine(server: string, rawLine: string): Device | undefined {
  const line = rawLine.replace(/\r$/, '');
  if (line.length === 0 || line.length > MAX_LINE_LENGTH) {
    return undefined;
  }
  const serialMatch = /^(\S+)\s+(.*)$/.exec(line);
  if (!serialMatch) {
    return undefined;
  }
  const serial = serialMatch[1];
  let rest = serialMatch[2].trim();
  let state: DeviceState | undefined = MULTI_WORD_STATES.find((word) => rest === word || rest.startsWith(`${word} `) || rest.startsWith(`${word}(`));
  if (state) {
    rest = rest.slice(state.length).trim();
  } else {
    const word = /^(\S+)\s*(.*)$/.exec(rest);
    if (!word) {
      return undefined;
    }
    state = word[1];
    rest = word[2];
  }

  const device: Device = {
    id: `${server}/${serial}`,
    server,
    serial,
    state,
    connection: connectionKindOf(serial),
  };
  const explanation: string[] = [];
  for (const token of rest.split(/\s+/).filter(Boolean)) {
    const pair = KEY_VALUE.exec(token);
    if (!pair) {
      // Only text before the first key is an explanation; stray words later are noise.
      if (device.transportId === undefined && device.product === undefined && device.usb === undefined) {
        explanation.push(token);
      }
      continue;
    }
    const [, key, value] = pair;
    switch (key) {
      case 'usb':
        device.usb = value;
        break;
      case 'product':
        device.product = value;
        break;
      case 'model':
        device.model = value;
        break;
      case 'device':
        device.device = value;
        break;
      case 'transport_id':
        device.transportId = value;
        break;
      default:
        break;
    }
  }
  if (explanation.length > 0) {
    device.stateDetail = explanation.join(' ');
  }
  return device;
}

/** Every device in a list reply; a serial listed twice keeps its last line. */
export function parseDeviceList(server: string, text: string): Device[] {
  const bySerial = new Map<string, Device>();
  for (const line of text.split('\n')) {
    const device = parseDeviceLine(server, line);
    if (device) {
      bySerial.set(device.serial, device);
    }
  }
  return [...bySerial.values()];
}
