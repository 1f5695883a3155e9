// The details the picker shows, read from a device's `getprop` output.

import { DeviceDetails } from '../types';

// `[name]: [value]` on one line; the value runs to the line's last `]` (it may hold brackets).
// Read line by line with an anchored pattern: the former multi-line /^\[([^\]]+)\]: .../gm went
// quadratic on output of many `[x` lines (a device sending 120 KB of them froze the worker ~8 s).
// Values spread over several lines are not read: none of the properties below has one.
const GETPROP_LINE = /^\[([^\]]+)\]: \[([\s\S]*)\]\r?$/;
/** Real values are at most 92 bytes (PROP_VALUE_MAX) but `ro.` properties may be longer. */
export const MAX_DETAIL_LENGTH = 256;
const WANTED = new Set([
  'ro.product.manufacturer',
  'ro.product.model',
  'ro.build.version.release',
  'ro.build.version.sdk',
  'ro.product.cpu.abi',
  'ro.kernel.qemu',
  'ro.boot.qemu.avd_name',
  'ro.kernel.qemu.avd_name',
  'sys.boot_completed',
]);

export function detailsFromGetprop(output: string): DeviceDetails {
  const props = new Map<string, string>();
  for (let start = 0; start < output.length; ) {
    const newline = output.indexOf('\n', start);
    const end = newline < 0 ? output.length : newline;
    // Every property read here is `ro.` or `sys.`; other lines are not even sliced out.
    if (output.startsWith('[ro.', start) || output.startsWith('[sys.', start)) {
      const match = GETPROP_LINE.exec(output.slice(start, end));
      if (match && WANTED.has(match[1])) {
        props.set(match[1], match[2].slice(0, MAX_DETAIL_LENGTH));
      }
    }
    start = end + 1;
  }
  const details: DeviceDetails = {};
  const manufacturer = props.get('ro.product.manufacturer');
  const model = props.get('ro.product.model');
  const release = props.get('ro.build.version.release');
  const sdkText = props.get('ro.build.version.sdk') ?? '';
  const sdk = /^\d{1,6}$/.test(sdkText) ? Number(sdkText) : NaN;
  const abi = props.get('ro.product.cpu.abi');
  if (manufacturer) details.manufacturer = manufacturer;
  if (model) details.model = model;
  if (release) details.androidRelease = release;
  if (Number.isFinite(sdk)) details.sdkLevel = sdk;
  if (abi) details.abi = abi;
  const avdName = props.get('ro.boot.qemu.avd_name') || props.get('ro.kernel.qemu.avd_name');
  if (avdName) details.avdName = avdName;
  // Only an emulator is told as booting: a phone is listed once it has booted.
  if ((props.get('ro.kernel.qemu') === '1' || avdName) && props.get('sys.boot_completed') !== '1') details.booting = true;
  return details;
}
