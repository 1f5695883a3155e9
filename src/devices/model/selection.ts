// The selected device, remembered per workspace. It is never switched silently: when the selected
// device vanishes it stays selected (shown as disconnected) and is picked up again when it returns.
// Only when nothing is selected does the first ready device get selected automatically.
// Rules only: the watcher model feeds it each new list and fires the events.

import { Device, effectiveState, ServerState } from '../../core/types';

/** The part of the workspace state this needs (vscode.Memento fits). */
export interface SelectionMemento {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void> | Promise<void>;
}

export interface SelectedDevice {
  id: string;
  serial: string;
  server: string;
  /** The device as last seen (its state, model, details). */
  device: Device;
  /** Listed by its adb server right now. */
  present: boolean;
  /** Present and in the `device` state: ready for adb commands. */
  ready: boolean;
  /**
   * Remembered from an earlier window, and its adb server has not listed devices in this one yet:
   * not known to be gone, so not shown as disconnected.
   */
  awaitingServer: boolean;
}

/** What an update did to the selection; `auto-selected`: nothing was selected, now the first ready device is. */
export type SelectionOutcome = 'unchanged' | 'changed' | 'auto-selected' | 'disconnected' | 'reconnected';

/** The selected serial names one device for adb: plain, and not shared with another device. */
export function exportableSerial(selected: SelectedDevice | undefined): string | undefined {
  return selected && namesOneDevice(selected.device) ? selected.serial : undefined;
}

/**
 * The one rule for a serial handed to a shell, a task or a variable: made only of what real adb
 * serials use (USB serials, `host:port`, `emulator-5554`, mDNS names like
 * `adb-XXXX._adb-tls-connect._tcp`, `[v6]:port`). Anything else is shown but never chosen
 * automatically, never exported (ANDROID_SERIAL) and never returned to a task or a launch
 * configuration, where a shell might run it or adb might read it as an option: POSIX shells'
 * `;`, `$`, quotes, spaces, `!`, `*` and `?`; Windows cmd's `%VAR%`, `!VAR!` and its `^` escape;
 * PowerShell's `$`, backtick and a leading `@` (splatting); a leading `-`. So an IPv6 serial with
 * a zone (`[fe80::1%wlan0]:5555`) is shown and can be picked, but is not exported.
 */
export function isPlainSerial(serial: string): boolean {
  return /^[A-Za-z0-9._:[\]][A-Za-z0-9._:@[\]-]*$/.test(serial) && serial.length <= 256;
}

/**
 * How adb is told which device, as arguments (never through a shell): `-s SERIAL` for a plain
 * serial no other device shares; otherwise `-t TRANSPORT_ID` (digits), which reaches exactly this
 * connection; undefined when it has neither.
 */
export function adbDeviceArguments(device: Device): string[] | undefined {
  if (namesOneDevice(device)) return ['-s', device.serial];
  return device.transportId !== undefined && /^\d+$/.test(device.transportId) ? ['-t', device.transportId] : undefined;
}

function namesOneDevice(device: Device): boolean {
  return isPlainSerial(device.serial) && !device.sharesSerial;
}

const MEMENTO_KEY = 'androidDeviceWatcher.selectedDevice';

export class DeviceSelection {
  private current?: SelectedDevice;

  constructor(private readonly memento: SelectionMemento) {
    const saved = memento.get<Device>(MEMENTO_KEY);
    if (saved && typeof saved.id === 'string' && typeof saved.serial === 'string') {
      // Until its server lists devices, the remembered device is not known to be present.
      this.current = { id: saved.id, serial: saved.serial, server: saved.server, device: saved, present: false, ready: false, awaitingServer: true };
    }
  }

  get selected(): SelectedDevice | undefined {
    return this.current;
  }

  /** Selects `device`; `listed` is how the current list shows it, if it is there. */
  select(device: Device, listed: Device | undefined): SelectionOutcome {
    const next = describe(listed ?? device, !!listed);
    void this.memento.update(MEMENTO_KEY, device);
    return this.set(next) ? 'changed' : 'unchanged';
  }

  clear(): SelectionOutcome {
    if (!this.current) return 'unchanged';
    this.current = undefined;
    void this.memento.update(MEMENTO_KEY, undefined);
    return 'changed';
  }

  /** A new device list: follows the selected device, or takes the first ready one when none is selected. */
  update(devices: readonly Device[], servers: readonly ServerState[]): SelectionOutcome {
    const previous = this.current;
    if (!previous) {
      // First use in this workspace: take the first ready device, as the best pickers do.
      const first = devices.find((d) => effectiveState(d) === 'device' && isPlainSerial(d.serial));
      return first && this.select(first, first) === 'changed' ? 'auto-selected' : 'unchanged';
    }
    // A device's id gains its transport id while another device shares its serial: follow it by that.
    const listed = devices.find((d) => d.id === previous.id) ?? devices.find((d) => sameTransport(d, previous.device));
    const seen = listed && withKnownDetails(listed, previous.device);
    const stillAwaiting = !seen && previous.awaitingServer && servers.some((s) => s.address === previous.server && s.status === 'connecting');
    if (stillAwaiting) return 'unchanged';
    const next = seen ? describe(seen, true) : { ...previous, present: false, ready: false, awaitingServer: false };
    if (!this.set(next)) return 'unchanged';
    // Remembered as last seen, details included, so the next window starts with the right name.
    if (seen) void this.memento.update(MEMENTO_KEY, seen);
    if (seen && !previous.present) return 'reconnected';
    if (!seen && previous.present) return 'disconnected';
    return 'changed';
  }

  private set(next: SelectedDevice): boolean {
    if (this.current && sameSelection(this.current, next)) return false;
    this.current = next;
    return true;
  }
}

/**
 * The worker reads details a moment after a device is listed. Until then, a device that is listed
 * just as it was remembered (same serial, model, product and device name) keeps the details it
 * had, so its name does not flicker from "SM-S918B" to adb's "SM_S918B" and back.
 */
function withKnownDetails(listed: Device, known: Device): Device {
  if (listed.details || !known.details) return listed;
  const same = listed.model === known.model && listed.product === known.product && listed.device === known.device;
  return same ? { ...listed, details: known.details } : listed;
}

function sameTransport(a: Device, b: Device): boolean {
  return a.server === b.server && a.serial === b.serial && a.transportId !== undefined && a.transportId === b.transportId;
}

function describe(device: Device, present: boolean): SelectedDevice {
  return { id: device.id, serial: device.serial, server: device.server, device, present, ready: present && effectiveState(device) === 'device', awaitingServer: false };
}

function sameSelection(a: SelectedDevice, b: SelectedDevice): boolean {
  return (
    a.id === b.id &&
    a.present === b.present &&
    a.ready === b.ready &&
    a.awaitingServer === b.awaitingServer &&
    JSON.stringify(a.device) === JSON.stringify(b.device)
  );
}
