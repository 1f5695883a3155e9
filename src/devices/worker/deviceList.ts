// Parses the long device list that both `host:devices-l` (poll) and `host:track-devices-l` (push)
// return. adbkit's listDevicesWithPaths mis-parses TCP serials, so the lines are read here:
//   SERIAL  STATE [explanation] key:value key:value ...
// A state may hold spaces (`no permissions (...)`); unknown states and keys are kept, not dropped.
//
// The text comes from whatever answers on the server's port, so it is treated as hostile: every
// pattern is linear in the line's length (a `(.*)$` after `\s+` went quadratic on a line holding a
// `\r` or U+2028: 0.45 s for one 16 KB line), a serial with control characters is dropped (it could
// not be passed to adb or put in ANDROID_SERIAL intact), a transport id must be a number, and one
// reply yields at most MAX_DEVICES_PER_SERVER devices.

import { ConnectionKind, Device, DeviceState, KNOWN_DEVICE_STATES } from '../../core/types';

// Longest first so that `no permissions` wins over a one-word prefix.
const MULTI_WORD_STATES = KNOWN_DEVICE_STATES.filter((state) => state.includes(' '));
const KEY_VALUE = /^([a-z_]+):([\s\S]*)$/;
const MAX_LINE_LENGTH = 16 * 1024;
/** More than any real server has (a USB bus takes 127 devices); keeps snapshots and the UI small. */
export const MAX_DEVICES_PER_SERVER = 500;
// C0 controls and DEL; tab is whitespace and never part of a serial.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
const TRANSPORT_ID = /^\d{1,20}$/;
/**
 * A device adb connected through mDNS is named by its service instance, which may hold spaces: adb
 * renames a clashing instance `adb-XXXX (2)` (AOSP transport.cpp prints the serial padded to 22
 * columns, then a space, then the state), and the serial then ends with the service type (and the
 * trailing dot of the mDNSResponder backend). Linear: `\S+` can only end at the first space.
 */
const MDNS_SERIAL_LINE = /^(\S+ \(\d{1,4}\)\._adb(?:-tls-connect)?\._tcp\.?)\s+([\s\S]*)$/;

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
  const serialMatch = MDNS_SERIAL_LINE.exec(line) ?? /^(\S+)\s+([\s\S]*)$/.exec(line);
  if (!serialMatch || CONTROL_CHARACTER.test(serialMatch[1])) {
    return undefined;
  }
  const serial = serialMatch[1];
  let rest = serialMatch[2].trim();
  let state: DeviceState | undefined = MULTI_WORD_STATES.find((word) => rest === word || rest.startsWith(`${word} `) || rest.startsWith(`${word}(`));
  if (state) {
    rest = rest.slice(state.length).trim();
  } else {
    const word = /^(\S+)\s*([\s\S]*)$/.exec(rest);
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
        // Sent back to the server in `host:transport-id:N`: only ever a number.
        if (TRANSPORT_ID.test(value)) {
          device.transportId = value;
        }
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

export interface DeviceListReport {
  devices: Device[];
  /** Non-blank lines that are not a device (no state, control characters in the serial, too long). */
  ignoredLines: number;
  /** Devices left out past MAX_DEVICES_PER_SERVER. */
  droppedDevices: number;
}

/**
 * Every device in a list reply, and what was left out. A line for a device already listed (same
 * serial and transport id) replaces it. Two devices with one serial (cheap devices often share
 * `0123456789ABCDEF`) are both kept when adb tells them apart by transport id: each then has the
 * transport id in its id and is marked `sharesSerial`.
 */
export function readDeviceList(server: string, text: string): DeviceListReport {
  const byKey = new Map<string, Device>();
  let ignoredLines = 0;
  let droppedDevices = 0;
  for (const line of text.split('\n')) {
    const device = parseDeviceLine(server, line);
    const key = device && `${device.serial}\u0000${device.transportId ?? ''}`;
    if (!device || key === undefined) {
      if (line.trim() !== '') ignoredLines++;
    } else if (byKey.size < MAX_DEVICES_PER_SERVER || byKey.has(key)) {
      byKey.set(key, device);
    } else {
      droppedDevices++;
    }
  }
  const devices = [...byKey.values()];
  const perSerial = new Map<string, number>();
  for (const device of devices) perSerial.set(device.serial, (perSerial.get(device.serial) ?? 0) + 1);
  for (const device of devices) {
    if (perSerial.get(device.serial)! < 2) continue;
    device.sharesSerial = true;
    if (device.transportId !== undefined) device.id = `${server}/${device.serial}/t${device.transportId}`;
  }
  return { devices, ignoredLines, droppedDevices };
}

/** Every device in a list reply. */
export function parseDeviceList(server: string, text: string): Device[] {
  return readDeviceList(server, text).devices;
}
