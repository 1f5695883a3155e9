// The selected device, remembered per workspace. It is never switched silently: when the selected
// device vanishes it stays selected (shown as disconnected) and is picked up again when it returns.
// Only when nothing is selected does the first ready device get selected automatically.

import { Disposable, DisposableStore, Emitter, Event } from '../common/events';
import { Device, Snapshot } from '../shared/types';

/** The part of the workspace state this needs (vscode.Memento fits). */
export interface SelectionMemento {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void> | Promise<void>;
}

/** Where snapshots come from (the PollerSupervisor fits). */
export interface SnapshotSource {
  readonly snapshot: Snapshot | undefined;
  readonly onDidChangeDevices: Event<{ snapshot: Snapshot }>;
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

const MEMENTO_KEY = 'androidDeviceWatcher.selectedDevice';

export class DeviceSelection implements Disposable {
  private current?: SelectedDevice;
  private readonly store = new DisposableStore();
  private readonly changed = this.store.add(new Emitter<SelectedDevice | undefined>());
  private readonly disconnected = this.store.add(new Emitter<SelectedDevice>());
  private readonly reconnected = this.store.add(new Emitter<SelectedDevice>());
  /** Fires when the selection or anything about the selected device changes. */
  readonly onDidChange = this.changed.event;
  readonly onDidDisconnect = this.disconnected.event;
  readonly onDidReconnect = this.reconnected.event;

  constructor(
    private readonly source: SnapshotSource,
    private readonly memento: SelectionMemento,
  ) {
    const saved = memento.get<Device>(MEMENTO_KEY);
    if (saved && typeof saved.id === 'string' && typeof saved.serial === 'string') {
      // Until the first snapshot says otherwise, the remembered device is not known to be present.
      this.current = { id: saved.id, serial: saved.serial, server: saved.server, device: saved, present: false, ready: false, awaitingServer: true };
    }
    this.store.add(source.onDidChangeDevices(({ snapshot }) => this.onSnapshot(snapshot)));
    if (source.snapshot) this.onSnapshot(source.snapshot);
  }

  get selected(): SelectedDevice | undefined {
    return this.current;
  }

  select(device: Device): void {
    const present = this.source.snapshot?.devices.find((d) => d.id === device.id);
    this.set(describe(present ?? device, !!present));
    void this.memento.update(MEMENTO_KEY, device);
  }

  clear(): void {
    if (!this.current) return;
    this.current = undefined;
    void this.memento.update(MEMENTO_KEY, undefined);
    this.changed.fire(undefined);
  }

  private onSnapshot(snapshot: Snapshot): void {
    if (!this.current) {
      // First use in this workspace: take the first ready device, as the best pickers do.
      const first = snapshot.devices.find((d) => d.state === 'device');
      if (first) this.select(first);
      return;
    }
    const previous = this.current;
    const listed = snapshot.devices.find((d) => d.id === previous.id);
    const seen = listed && withKnownDetails(listed, previous.device);
    const stillAwaiting = !seen && previous.awaitingServer && snapshot.servers.some((s) => s.address === previous.server && s.status === 'connecting');
    if (stillAwaiting) return;
    const next = seen ? describe(seen, true) : { ...previous, present: false, ready: false, awaitingServer: false };
    if (sameSelection(previous, next)) return;
    this.set(next);
    // Remembered as last seen, details included, so the next window starts with the right name.
    if (seen) void this.memento.update(MEMENTO_KEY, seen);
    if (seen && !previous.present) {
      this.reconnected.fire(next);
    } else if (!seen && previous.present) {
      this.disconnected.fire(next);
    }
  }

  private set(next: SelectedDevice): void {
    this.current = next;
    this.changed.fire(next);
  }

  dispose(): void {
    this.store.dispose();
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

function describe(device: Device, present: boolean): SelectedDevice {
  return { id: device.id, serial: device.serial, server: device.server, device, present, ready: present && device.state === 'device', awaitingServer: false };
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
