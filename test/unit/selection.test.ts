// The selected device: remembered per workspace, never switched silently, and its name stable
// from the first snapshot of a new window.

import * as assert from 'node:assert/strict';
import { Emitter } from '../../src/common/events';
import { DeviceSelection, SelectionMemento } from '../../src/model/selection';
import { Device, ServerState, Snapshot } from '../../src/shared/types';

/** vscode.Memento's contract, kept in memory (workspace state without a workspace). */
class MemoryMemento implements SelectionMemento {
  readonly values = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.values.get(key) as T | undefined;
  }
  update(key: string, value: unknown): Promise<void> {
    this.values.set(key, value === undefined ? undefined : structuredClone(value));
    return Promise.resolve();
  }
}

const SERVER = '127.0.0.1:5037';

/** Snapshots pushed by hand, as the supervisor would deliver them. */
class Snapshots {
  snapshot: Snapshot | undefined;
  private readonly emitter = new Emitter<{ snapshot: Snapshot }>();
  readonly onDidChangeDevices = this.emitter.event;
  private seq = 0;
  push(...devices: Device[]): void {
    this.pushFrom([{ address: SERVER, status: 'connected' }], devices);
  }
  pushFrom(servers: ServerState[], devices: Device[] = []): void {
    this.snapshot = { seq: ++this.seq, at: Date.now(), devices, servers };
    this.emitter.fire({ snapshot: this.snapshot });
  }
}


function device(serial: string, overrides: Partial<Device> = {}): Device {
  return { id: `${SERVER}/${serial}`, server: SERVER, serial, state: 'device', connection: 'usb', model: 'SM_S918B', product: 'dm3qxxx', device: 'dm3q', ...overrides };
}

const GALAXY_DETAILS = { manufacturer: 'samsung', model: 'SM-S918B', androidRelease: '14', sdkLevel: 34, abi: 'arm64-v8a' };

describe('DeviceSelection', () => {
  let snapshots: Snapshots;
  let memento: MemoryMemento;
  let selection: DeviceSelection | undefined;

  beforeEach(() => {
    snapshots = new Snapshots();
    memento = new MemoryMemento();
  });
  afterEach(() => selection?.dispose());

  function open(): DeviceSelection {
    selection = new DeviceSelection(snapshots, memento);
    return selection;
  }

  it('takes the first ready device when nothing is selected, and remembers it', () => {
    const s = open();
    snapshots.push(device('A', { state: 'unauthorized' }), device('B'), device('C'));
    assert.equal(s.selected?.serial, 'B');
    assert.equal(memento.get<Device>('androidDeviceWatcher.selectedDevice')?.serial, 'B');
  });

  it('keeps a vanished device selected as disconnected, never another, and takes it back when it returns', () => {
    const s = open();
    const events: string[] = [];
    s.onDidDisconnect((d) => events.push(`gone ${d.serial}`));
    s.onDidReconnect((d) => events.push(`back ${d.serial}`));
    snapshots.push(device('A'), device('B'));
    snapshots.push(device('B'));
    snapshots.push(device('B'), device('C'));
    assert.equal(s.selected?.serial, 'A');
    assert.equal(s.selected?.present, false);
    snapshots.push(device('A'), device('B'));
    assert.deepEqual(events, ['gone A', 'back A']);
    assert.equal(s.selected?.ready, true);
  });

  it('starts a new window with the remembered device, awaiting its server rather than disconnected', () => {
    memento.values.set('androidDeviceWatcher.selectedDevice', device('A', { details: GALAXY_DETAILS }));
    const s = open();
    const disconnects: string[] = [];
    s.onDidDisconnect((d) => disconnects.push(d.serial));
    assert.equal(s.selected?.serial, 'A');
    assert.deepEqual([s.selected?.present, s.selected?.awaitingServer], [false, true]);
    snapshots.pushFrom([{ address: SERVER, status: 'connecting' }]);
    assert.deepEqual([s.selected?.present, s.selected?.awaitingServer], [false, true]);
    snapshots.push(device('B'), device('A'));
    assert.deepEqual([s.selected?.serial, s.selected?.present, s.selected?.awaitingServer], ['A', true, false]);
    assert.deepEqual(disconnects, []);
  });

  it('shows the remembered device disconnected once its server lists devices without it, or is gone from the settings', () => {
    memento.values.set('androidDeviceWatcher.selectedDevice', device('A'));
    const s = open();
    snapshots.push(device('B'));
    assert.deepEqual([s.selected?.serial, s.selected?.present, s.selected?.awaitingServer], ['A', false, false]);

    s.dispose();
    snapshots = new Snapshots();
    const again = open();
    snapshots.pushFrom([{ address: '127.0.0.1:6000', status: 'connecting' }]);
    assert.deepEqual([again.selected?.present, again.selected?.awaitingServer], [false, false]);
  });

  it('keeps the remembered details of a device listed as it was until the worker reads them again', () => {
    memento.values.set('androidDeviceWatcher.selectedDevice', device('A', { details: GALAXY_DETAILS }));
    const s = open();
    const seen: (string | undefined)[] = [];
    s.onDidChange((d) => seen.push(d?.device.details?.model));
    snapshots.push(device('A'));
    assert.deepEqual(s.selected?.device.details, GALAXY_DETAILS);
    // The details read again are the same: nothing changes, so nothing fires.
    snapshots.push(device('A', { details: GALAXY_DETAILS }));
    assert.deepEqual(seen, ['SM-S918B']);
  });

  it('does not lend remembered details to a different device on the same serial', () => {
    memento.values.set('androidDeviceWatcher.selectedDevice', device('emulator-5554', { details: GALAXY_DETAILS }));
    const s = open();
    snapshots.push(device('emulator-5554', { model: 'sdk_gphone64_x86_64', product: 'sdk_gphone64_x86_64', device: 'emu64xa' }));
    assert.equal(s.selected?.device.details, undefined);
    assert.equal(s.selected?.device.model, 'sdk_gphone64_x86_64');
  });

  it('remembers the details once they are read, so the next window starts with them', () => {
    const s = open();
    snapshots.push(device('A'));
    assert.equal(memento.get<Device>('androidDeviceWatcher.selectedDevice')?.details, undefined);
    snapshots.push(device('A', { details: GALAXY_DETAILS }));
    assert.equal(s.selected?.device.details?.model, 'SM-S918B');
    assert.deepEqual(memento.get<Device>('androidDeviceWatcher.selectedDevice')?.details, GALAXY_DETAILS);
  });
});
