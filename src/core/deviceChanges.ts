// What changed between two device lists, by device id. The worker sends the changes with each
// snapshot; the host's model computes them again over the merged list of every source.

import { Device, DeviceChanges } from './types';

export function diffDevices(before: ReadonlyMap<string, Device>, after: ReadonlyMap<string, Device>): DeviceChanges {
  const changes: DeviceChanges = { added: [], removed: [], changed: [] };
  for (const [id, device] of after) {
    const old = before.get(id);
    if (!old) changes.added.push(device);
    else if (!sameDevice(old, device)) changes.changed.push(device);
  }
  for (const [id, device] of before) {
    if (!after.has(id)) changes.removed.push(device);
  }
  return changes;
}

export function hasChanges(changes: DeviceChanges): boolean {
  return changes.added.length + changes.removed.length + changes.changed.length > 0;
}

export function sameDevice(a: Device, b: Device): boolean {
  return shallowEqual(a, b, ['details']) && shallowEqual(a.details ?? {}, b.details ?? {}, []);
}

function shallowEqual(a: object, b: object, skip: string[]): boolean {
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  for (const key of keys) {
    if (!skip.includes(key) && left[key] !== right[key]) {
      return false;
    }
  }
  return true;
}
