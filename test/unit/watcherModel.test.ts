// The watcher model: the selection (remembered per workspace, never switched silently, its name
// stable from the first snapshot of a new window), the device list across worker restarts, and
// one change event per change.

import * as assert from 'node:assert/strict';
import { Emitter } from '../../src/core/events';
import { AdbSearch } from '../../src/core/adbLocator';
import { deviceName } from '../../src/devices/model/deviceName';
import { adbDeviceArguments, exportableSerial, isPlainSerial, SelectionMemento } from '../../src/devices/model/selection';
import { DeviceStream } from '../../src/core/supervisor/deviceStreams';
import { WatcherChange, WatcherModel, WatcherPoller } from '../../src/devices/model/watcherModel';
import { Device, PollerConfig, ServerState, Snapshot, DEFAULT_POLLER_CONFIG } from '../../src/core/types';
import type { DevicesUpdate, PollerState, StateChange } from '../../src/core/supervisor/pollerSupervisor';

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

/**
 * Stands in for the supervisor: snapshots and states pushed by hand, as the supervisor delivers
 * them (the supervisor itself is tested against real and scripted workers).
 */
class ScriptedPoller implements WatcherPoller {
  state: PollerState = 'running';
  snapshot: Snapshot | undefined;
  lastError: string | undefined;
  config: PollerConfig = { ...DEFAULT_POLLER_CONFIG, servers: [SERVER] };
  private readonly states = new Emitter<StateChange>();
  private readonly snapshots = new Emitter<DevicesUpdate>();
  readonly onDidChangeState = this.states.event;
  readonly onDidChangeDevices = this.snapshots.event;
  private seq = 0;
  push(...devices: Device[]): void {
    this.pushFrom([{ address: SERVER, status: 'connected' }], devices);
  }
  pushFrom(servers: ServerState[], devices: Device[] = []): void {
    this.snapshot = { seq: ++this.seq, at: Date.now(), devices, servers };
    this.snapshots.fire({ snapshot: this.snapshot, changes: { added: [], removed: [], changed: [] } });
  }
  setState(state: PollerState): void {
    const previous = this.state;
    this.state = state;
    this.states.fire({ previous, state });
  }
  start = () => Promise.resolve();
  stop = () => Promise.resolve();
  pause = () => Promise.resolve();
  resume = () => Promise.resolve();
  kill = () => Promise.resolve();
  restart = () => Promise.resolve();
  refresh = () => undefined;
  setFocused = () => undefined;
  runAdbCommand = () => Promise.resolve({ ok: false, message: 'scripted' });
  requestDeviceService = () => Promise.resolve({ ok: false as const, end: { reason: 'not-running' as const, message: 'scripted' } });
  openDeviceStream = () => DeviceStream.endedAt({ reason: 'not-running', message: 'scripted' });
}

const adbFound = { search: { found: { path: '/usr/bin/adb', source: 'PATH' }, tried: [] } as AdbSearch, onDidChange: new Emitter<AdbSearch>().event };

function device(serial: string, overrides: Partial<Device> = {}): Device {
  return { id: `${SERVER}/${serial}`, server: SERVER, serial, state: 'device', connection: 'usb', model: 'SM_S918B', product: 'dm3qxxx', device: 'dm3q', ...overrides };
}

const GALAXY_DETAILS = { manufacturer: 'samsung', model: 'SM-S918B', androidRelease: '14', sdkLevel: 34, abi: 'arm64-v8a' };

describe('WatcherModel: the selection', () => {
  let snapshots: ScriptedPoller;
  let memento: MemoryMemento;
  let model: WatcherModel | undefined;

  beforeEach(() => {
    snapshots = new ScriptedPoller();
    memento = new MemoryMemento();
  });
  afterEach(() => model?.dispose());

  function open(): WatcherModel {
    model = new WatcherModel(snapshots, memento, adbFound);
    return model;
  }

  it('takes the first ready device when nothing is selected, says so once, and remembers it', () => {
    const s = open();
    const said: string[] = [];
    s.onDidAutoSelect((d) => said.push(d.serial));
    snapshots.push(device('A', { state: 'unauthorized' }), device('B'), device('C'));
    snapshots.push(device('B'), device('C'));
    assert.equal(s.selection?.serial, 'B');
    assert.deepEqual(said, ['B']);
    assert.equal(memento.get<Device>('androidDeviceWatcher.selectedDevice')?.serial, 'B');
  });

  it('does not take a booting emulator as the first ready device until its boot completes', () => {
    const s = open();
    const emulator = (booting: boolean) => device('emulator-5554', { connection: 'emulator', details: { avdName: 'Pixel_8_API_34', ...(booting ? { booting } : {}) } });
    const selected = () => s.selection;
    snapshots.push(emulator(true));
    assert.equal(selected(), undefined);
    snapshots.push(emulator(false));
    assert.equal(selected()?.serial, 'emulator-5554');
    assert.equal(selected()?.ready, true);
  });

  it('never selects a device whose serial a shell could misread, but lets the user pick it', () => {
    const s = open();
    const hostile = device('x;touch /tmp/p', { state: 'device' });
    snapshots.push(hostile);
    assert.equal(s.selection?.serial, undefined);
    snapshots.push(hostile, device('B'));
    assert.equal(s.selection?.serial, 'B');
    s.select(hostile);
    assert.equal(s.selection?.serial, 'x;touch /tmp/p');
  });

  it('never selects by itself a serial that Windows cmd would expand, nor exports it once picked', () => {
    const s = open();
    const expanding = ['%s%n%x%d', '!PATH!', 'R58^N12'].map((serial) => device(serial));
    snapshots.push(...expanding);
    assert.equal(s.selection?.serial, undefined);
    snapshots.push(...expanding, device('SAFE0001'));
    assert.equal(s.selection?.serial, 'SAFE0001');
    s.select(expanding[0]);
    assert.equal(s.selection?.serial, '%s%n%x%d', "the user's pick stands");
    assert.equal(exportableSerial(s.selection), undefined);
  });

  it('follows the selected device when a second device with its serial comes and goes (told apart by transport id)', () => {
    const s = open();
    const news: string[] = [];
    s.onDidDisconnectSelected((d) => news.push(`gone ${d.serial}`));
    snapshots.push(device('0123456789ABCDEF', { transportId: '3' }));
    const twin = (transportId: string) =>
      device('0123456789ABCDEF', { transportId, sharesSerial: true, id: `${SERVER}/0123456789ABCDEF/t${transportId}` });
    snapshots.push(twin('3'), twin('7'));
    assert.deepEqual([s.selection?.id, s.selection?.present, s.selection?.device.sharesSerial], [`${SERVER}/0123456789ABCDEF/t3`, true, true]);
    assert.equal(exportableSerial(s.selection), undefined, 'ambiguous for adb -s: not exported');
    snapshots.push(device('0123456789ABCDEF', { transportId: '3' }));
    assert.deepEqual([s.selection?.id, s.selection?.present], [`${SERVER}/0123456789ABCDEF`, true]);
    assert.equal(exportableSerial(s.selection), '0123456789ABCDEF');
    assert.deepEqual(news, []);
  });

  it('clears the selection on request, and then takes the first ready device again', () => {
    const s = open();
    snapshots.push(device('A'));
    s.clearSelection();
    assert.equal(s.selection?.serial, undefined);
    assert.equal(memento.get('androidDeviceWatcher.selectedDevice'), undefined);
    snapshots.push(device('A'), device('B'));
    assert.equal(s.selection?.serial, 'A');
  });

  it('keeps a vanished device selected as disconnected, never another, and takes it back when it returns', () => {
    const s = open();
    const events: string[] = [];
    s.onDidDisconnectSelected((d) => events.push(`gone ${d.serial}`));
    s.onDidReconnectSelected((d) => events.push(`back ${d.serial}`));
    snapshots.push(device('A'), device('B'));
    snapshots.push(device('B'));
    snapshots.push(device('B'), device('C'));
    assert.equal(s.selection?.serial, 'A');
    assert.equal(s.selection?.present, false);
    snapshots.push(device('A'), device('B'));
    assert.deepEqual(events, ['gone A', 'back A']);
    assert.equal(s.selection?.ready, true);
  });

  it('starts a new window with the remembered device, awaiting its server rather than disconnected', () => {
    memento.values.set('androidDeviceWatcher.selectedDevice', device('A', { details: GALAXY_DETAILS }));
    const s = open();
    const disconnects: string[] = [];
    s.onDidDisconnectSelected((d) => disconnects.push(d.serial));
    assert.equal(s.selection?.serial, 'A');
    assert.deepEqual([s.selection?.present, s.selection?.awaitingServer], [false, true]);
    snapshots.pushFrom([{ address: SERVER, status: 'connecting' }]);
    assert.deepEqual([s.selection?.present, s.selection?.awaitingServer], [false, true]);
    snapshots.push(device('B'), device('A'));
    assert.deepEqual([s.selection?.serial, s.selection?.present, s.selection?.awaitingServer], ['A', true, false]);
    assert.deepEqual(disconnects, []);
  });

  it('shows the remembered device disconnected once its server lists devices without it, or is gone from the settings', () => {
    memento.values.set('androidDeviceWatcher.selectedDevice', device('A'));
    const s = open();
    snapshots.push(device('B'));
    assert.deepEqual([s.selection?.serial, s.selection?.present, s.selection?.awaitingServer], ['A', false, false]);

    s.dispose();
    snapshots = new ScriptedPoller();
    const again = open();
    snapshots.pushFrom([{ address: '127.0.0.1:6000', status: 'connecting' }]);
    assert.deepEqual([again.selection?.present, again.selection?.awaitingServer], [false, false]);
  });

  it('keeps the remembered details of a device listed as it was until the worker reads them again', () => {
    memento.values.set('androidDeviceWatcher.selectedDevice', device('A', { details: GALAXY_DETAILS }));
    const s = open();
    const seen: (string | undefined)[] = [];
    s.onDidChange((change) => change.selection && seen.push(s.selection?.device.details?.model));
    snapshots.push(device('A'));
    assert.deepEqual(s.selection?.device.details, GALAXY_DETAILS);
    // The details read again are the same: nothing changes, so nothing fires.
    snapshots.push(device('A', { details: GALAXY_DETAILS }));
    assert.deepEqual(seen, ['SM-S918B']);
  });

  it('does not lend remembered details to a different device on the same serial', () => {
    memento.values.set('androidDeviceWatcher.selectedDevice', device('emulator-5554', { details: GALAXY_DETAILS }));
    const s = open();
    snapshots.push(device('emulator-5554', { model: 'sdk_gphone64_x86_64', product: 'sdk_gphone64_x86_64', device: 'emu64xa' }));
    assert.equal(s.selection?.device.details, undefined);
    assert.equal(s.selection?.device.model, 'sdk_gphone64_x86_64');
  });

  it('remembers the details once they are read, so the next window starts with them', () => {
    const s = open();
    snapshots.push(device('A'));
    assert.equal(memento.get<Device>('androidDeviceWatcher.selectedDevice')?.details, undefined);
    snapshots.push(device('A', { details: GALAXY_DETAILS }));
    assert.equal(s.selection?.device.details?.model, 'SM-S918B');
    assert.deepEqual(memento.get<Device>('androidDeviceWatcher.selectedDevice')?.details, GALAXY_DETAILS);
  });
});

describe('WatcherModel: the device list and its events', () => {
  let poller: ScriptedPoller;
  let model: WatcherModel;
  let changes: WatcherChange[];
  let news: string[];

  beforeEach(() => {
    poller = new ScriptedPoller();
    model = new WatcherModel(poller, new MemoryMemento(), adbFound);
    changes = [];
    news = [];
    model.onDidChange((change) => changes.push(change));
    model.onDidDisconnectSelected((d) => news.push(`gone ${d.serial}`));
    model.onDidReconnectSelected((d) => news.push(`back ${d.serial}`));
  });
  afterEach(() => model.dispose());

  it('lists the configured servers as connecting before the worker reports', () => {
    assert.deepEqual(model.servers, [{ address: SERVER, status: 'connecting' }]);
    assert.equal(model.awaitingFirstList, true);
    assert.equal(model.allServersUnreachable, false);
  });

  it('fires one change for a snapshot that also changes the selection', () => {
    poller.push(device('A'));
    assert.equal(changes.length, 1);
    assert.deepEqual([changes[0].devices.added.map((d) => d.serial), changes[0].servers, changes[0].selection], [['A'], true, true]);
  });

  it('fires nothing for a snapshot that changes nothing it shows', () => {
    poller.push(device('A'));
    poller.push(device('A'));
    assert.equal(changes.length, 1);
  });

  it('keeps the devices of a restarted worker until its server lists them: no removal, no disconnect notice', () => {
    poller.push(device('A'), device('B'));
    poller.setState('stopping');
    poller.setState('stopped');
    poller.setState('starting');
    poller.setState('running');
    // The new worker's first snapshot: the server has not listed devices yet.
    poller.pushFrom([{ address: SERVER, status: 'connecting' }]);
    assert.deepEqual(model.devices.map((d) => d.serial), ['A', 'B']);
    poller.push(device('A'), device('B'));
    const removed = changes.flatMap((c) => c.devices.removed.map((d) => d.serial));
    assert.deepEqual(removed, []);
    assert.deepEqual(news, []);
    assert.equal(model.selection?.present, true);
  });

  it('drops the devices of a server that became unreachable, and says the selected one is gone', () => {
    poller.push(device('A'));
    poller.pushFrom([{ address: SERVER, status: 'unreachable', error: 'no adb server at 127.0.0.1:5037 (connection refused)', problem: 'not-running' }]);
    assert.deepEqual(model.devices, []);
    assert.deepEqual(news, ['gone A']);
    assert.equal(model.allServersUnreachable, true);
    assert.equal(model.unreachableProblem, 'not-running');
  });

  it('drops the devices of a server no longer watched after a settings change', () => {
    poller.push(device('A'));
    poller.pushFrom([{ address: '127.0.0.1:6000', status: 'connecting' }]);
    assert.deepEqual(model.devices, []);
  });

  it('names the most telling problem when several servers fail differently', () => {
    poller.pushFrom([
      { address: SERVER, status: 'unreachable', problem: 'closed' },
      { address: '127.0.0.1:6000', status: 'unreachable', problem: 'not-answering' },
    ]);
    assert.equal(model.unreachableProblem, 'not-answering');
  });

  it('offers to start only the servers on this machine that refuse connections', () => {
    poller.pushFrom([
      { address: SERVER, status: 'unreachable', problem: 'not-running' },
      { address: '[::1]:6001', status: 'unreachable', problem: 'not-running' },
      { address: 'localhost:6002', status: 'unreachable', problem: 'not-answering' },
      { address: '192.168.1.9:5037', status: 'unreachable', problem: 'not-running' },
      { address: '127.0.0.1:6003', status: 'connected' },
    ]);
    assert.deepEqual(model.startableServers, [SERVER, '[::1]:6001']);
  });

  it('reports state changes as their own event', () => {
    poller.setState('paused');
    assert.deepEqual(
      changes.map((c) => [c.state, c.selection, c.servers]),
      [[true, false, false]],
    );
    assert.equal(model.isStale, true);
  });
});

describe('WatcherModel: a device named once, in a notice', () => {
  let poller: ScriptedPoller;
  let model: WatcherModel;

  beforeEach(() => {
    poller = new ScriptedPoller();
    model = new WatcherModel(poller, new MemoryMemento(), adbFound);
  });
  afterEach(() => model.dispose());

  it('announces the first ready device by the name read from it, not by its serial or adb\'s list', async () => {
    const announced: Promise<string>[] = [];
    model.onDidAutoSelect((selected) => announced.push(model.whenNamed(selected.device).then(deviceName)));
    poller.push(device('R58N12ABCDE'));
    assert.equal(announced.length, 1, 'selected at once, while its details are read');
    assert.equal(deviceName(model.selection!.device), 'R58N12ABCDE');
    poller.push(device('R58N12ABCDE', { details: GALAXY_DETAILS }));
    assert.equal(await announced[0], 'samsung SM-S918B');
  });

  it('waits a bounded time for a device whose properties are never read, and not at all for one gone', async () => {
    const unread = device('R58N12ABCDE');
    poller.push(unread);
    assert.equal(deviceName(await model.whenNamed(unread, 20)), 'R58N12ABCDE');
    const leaving = model.whenNamed(unread);
    poller.push();
    assert.equal((await leaving).serial, 'R58N12ABCDE');
  });

  it('ends every wait when the model is disposed', async () => {
    poller.push(device('R58N12ABCDE'));
    const waiting = model.whenNamed(device('R58N12ABCDE'));
    model.dispose();
    assert.equal((await waiting).serial, 'R58N12ABCDE');
  });
});

describe('plain serials', () => {
  it('accepts what real adb serials look like', () => {
    for (const serial of ['0123456789ABCDEF', 'R58N12ABCDE', 'emulator-5554', '192.168.1.20:5555', '[2001:db8::5]:5555', 'adb-R58N12ABCDE-xyz._adb-tls-connect._tcp', 'usb:1-1.2']) {
      assert.equal(isPlainSerial(serial), true, serial);
    }
  });

  it('refuses shell and option characters', () => {
    for (const serial of ['a;b', '$(reboot)', '`id`', "it's", 'a"b', 'a b', '-s', '--help', 'a|b', 'a&b', 'a>b', 'a\\b', '', 'x'.repeat(300), 'a\nb', 'a*', 'a?b']) {
      assert.equal(isPlainSerial(serial), false, JSON.stringify(serial));
    }
  });

  it("refuses what Windows cmd expands or escapes (%VAR%, !VAR!, ^) and PowerShell's splatting (@name)", () => {
    for (const serial of ['%s%n%x%d', '%PATH%', 'R58%TEMP%', '!PATH!', 'R58^N12', '^&calc', '@args', '[fe80::1%wlan0]:5555']) {
      assert.equal(isPlainSerial(serial), false, JSON.stringify(serial));
    }
  });

  it('names a device to adb by -s only when its serial is plain and its own, else by its transport id', () => {
    const usb = device('R58N12ABCDE', { transportId: '4' });
    assert.deepEqual(adbDeviceArguments(usb), ['-s', 'R58N12ABCDE']);
    assert.deepEqual(adbDeviceArguments({ ...usb, serial: '%s%n%x%d' }), ['-t', '4']);
    assert.deepEqual(adbDeviceArguments({ ...usb, sharesSerial: true }), ['-t', '4']);
    assert.equal(adbDeviceArguments({ ...usb, serial: '%s%n%x%d', transportId: undefined }), undefined);
    assert.equal(adbDeviceArguments({ ...usb, serial: '!x!', transportId: '4;id' }), undefined);
  });
});
