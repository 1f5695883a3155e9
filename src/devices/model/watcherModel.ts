// The one thing the UI renders from: every device the watcher knows, each adb server's state
// (the configured ones until the worker reports), the watcher's state and last error, the
// selection and which adb is in use, with one change event per change. The UI and the public API
// depend on this, never on the supervisor; the controls pass through to it.

import { Emitter, Event } from '../../core/events';
import { DisposableBase } from '../../core/lifecycle';
import { localServerPort } from '../../core/address';
import { diffDevices, hasChanges } from '../../core/deviceChanges';
import { AdbCommand, CommandResult, Device, DeviceChanges, PollerConfig, ServerProblem, ServerState, Snapshot } from '../../core/types';
import type { DevicesUpdate, PollerState, StateChange } from '../../core/supervisor/pollerSupervisor';
import type { DeviceRequestOptions, DeviceRequestResult, DeviceStream, DeviceStreamOptions } from '../../core/supervisor/deviceStreams';
import type { DeviceServiceTarget } from '../../poller/deviceServiceProtocol';
import { AdbSearch } from '../../core/adbLocator';
import { DeviceSelection, SelectedDevice, SelectionMemento, SelectionOutcome } from './selection';

export type WatcherState = PollerState;

/** What the model needs of the poller (the PollerSupervisor fits). */
export interface WatcherPoller extends WatcherControls {
  readonly state: PollerState;
  readonly snapshot: Snapshot | undefined;
  readonly lastError: string | undefined;
  readonly config: PollerConfig;
  readonly onDidChangeState: Event<StateChange>;
  readonly onDidChangeDevices: Event<DevicesUpdate>;
  /** The window's focus: in the background the watcher polls and checks its worker less often. */
  setFocused(focused: boolean): void;
}

/** The commands a user gives the watcher. */
export interface WatcherControls {
  start(): Promise<void>;
  stop(): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
  refresh(): void;
  runAdbCommand(command: AdbCommand): Promise<CommandResult>;
  /** A device service's whole output (`shell:`, `exec:`, `sync:`), run by the worker; never rejects. */
  requestDeviceService(target: DeviceServiceTarget, service: string, options?: DeviceRequestOptions): Promise<DeviceRequestResult>;
  /** A device service as a stream with flow control, run by the worker. */
  openDeviceStream(target: DeviceServiceTarget, service: string, options?: DeviceStreamOptions): DeviceStream;
}

/**
 * Where a device service reaches this device: its server and its transport id when adb listed one
 * (it names this connection, never another device that has or takes the same serial).
 */
export function serviceTarget(device: Pick<Device, 'server' | 'serial' | 'transportId'>): DeviceServiceTarget {
  return { server: device.server, serial: device.serial, ...(device.transportId !== undefined && { transportId: device.transportId }) };
}

/** Which adb is in use (AdbStatus fits). */
export interface AdbSource {
  readonly search: AdbSearch | undefined;
  readonly onDidChange: Event<AdbSearch>;
}

/** One change of the model; a listener redraws what the flags say changed. */
export interface WatcherChange {
  /** Over the model's device list; empty when no device changed. */
  devices: DeviceChanges;
  servers: boolean;
  state: boolean;
  selection: boolean;
  adb: boolean;
}

const NO_DEVICE_CHANGES: DeviceChanges = { added: [], removed: [], changed: [] };

/** How long a notice waits for a device's details before naming it as it is (getprop unreadable). */
const NAME_WAIT_MS = 5000;

export class WatcherModel extends DisposableBase {
  private deviceList: Device[] = [];
  private serverList?: ServerState[];
  private updatedAt?: number;
  private readonly selectionRules: DeviceSelection;
  private readonly changed = this.register(new Emitter<WatcherChange>());
  private readonly disconnected = this.register(new Emitter<SelectedDevice>());
  private readonly reconnected = this.register(new Emitter<SelectedDevice>());
  private readonly autoSelected = this.register(new Emitter<SelectedDevice>());
  /** The waits of whenNamed(), ended at once when the model is disposed. */
  private readonly nameWaits = new Set<() => void>();
  readonly onDidChange = this.changed.event;
  /** The selected device left (it stays selected, shown as disconnected). */
  readonly onDidDisconnectSelected = this.disconnected.event;
  readonly onDidReconnectSelected = this.reconnected.event;
  /** Nothing was selected, and the first ready device now is. */
  readonly onDidAutoSelect = this.autoSelected.event;

  constructor(
    private readonly poller: WatcherPoller,
    memento: SelectionMemento,
    private readonly adbSource: AdbSource,
  ) {
    super();
    this.selectionRules = new DeviceSelection(memento);
    this.register({ dispose: () => [...this.nameWaits].forEach((end) => end()) });
    this.register(poller.onDidChangeDevices(({ snapshot }) => this.onSnapshot(snapshot)));
    this.register(poller.onDidChangeState(() => this.fire({ state: true })));
    this.register(adbSource.onDidChange(() => this.fire({ adb: true })));
    if (poller.snapshot) this.onSnapshot(poller.snapshot);
  }

  get controls(): WatcherControls {
    return this.poller;
  }

  get state(): WatcherState {
    return this.poller.state;
  }

  /** Why the watcher last crashed or failed to start, until a start succeeds. */
  get error(): string | undefined {
    return this.poller.lastError;
  }

  /** The list is live only while the watcher runs; otherwise it is the last one known. */
  get isStale(): boolean {
    return this.poller.state !== 'running';
  }

  get devices(): readonly Device[] {
    return this.deviceList;
  }

  /** Every adb server watched; before the worker reports, the configured ones, connecting. */
  get servers(): readonly ServerState[] {
    return this.serverList ?? this.poller.config.servers.map((address) => ({ address, status: 'connecting' as const }));
  }

  /** Servers on this machine that refuse connections: `adb start-server` can start them. */
  get startableServers(): readonly string[] {
    return this.servers
      .filter((s) => s.status === 'unreachable' && s.problem === 'not-running')
      .map((s) => s.address)
      .filter((address) => localServerPort(address) !== undefined);
  }

  /** The configured servers, for choosing where to connect a device. */
  get configuredServers(): readonly string[] {
    return this.poller.config.servers;
  }

  /** Epoch ms of the last list from the worker. */
  get lastUpdate(): number | undefined {
    return this.updatedAt;
  }

  get selection(): SelectedDevice | undefined {
    return this.selectionRules.selected;
  }

  get adb(): AdbSearch | undefined {
    return this.adbSource.search;
  }

  /** Every server is unreachable: nothing can be listed, and the reason is the news. */
  get allServersUnreachable(): boolean {
    const servers = this.servers;
    return servers.length > 0 && servers.every((s) => s.status === 'unreachable');
  }

  /** Some server has not listed its devices yet (just started, or reconnecting after a restart). */
  get awaitingFirstList(): boolean {
    return this.servers.some((s) => s.status === 'connecting');
  }

  /** The kind of failure of the unreachable servers, the most telling one first. */
  get unreachableProblem(): ServerProblem | undefined {
    const problems = this.servers.filter((s) => s.status === 'unreachable').map((s) => s.problem ?? 'other');
    return PROBLEM_ORDER.find((p) => problems.includes(p));
  }

  /** The window gained or lost focus (VS Code's window state); the watcher slows down in the background. */
  setWindowFocused(focused: boolean): void {
    this.poller.setFocused(focused);
  }

  select(device: Device): void {
    const listed = this.deviceList.find((d) => d.id === device.id);
    this.applySelection(this.selectionRules.select(device, listed));
  }

  clearSelection(): void {
    this.applySelection(this.selectionRules.clear());
  }

  /**
   * The device as listed once its details are read (its name), for a notice that names it once: it
   * then says what the status bar and the picker go on showing. As it is after `waitMs` (a device
   * whose properties cannot be read, or one not ready), and at once when it is no longer listed or
   * the model is disposed.
   */
  whenNamed(device: Device, waitMs = NAME_WAIT_MS): Promise<Device> {
    return new Promise((resolve) => {
      const listed = () => this.deviceList.find((d) => d.id === device.id);
      const end = () => {
        this.nameWaits.delete(end);
        subscription.dispose();
        clearTimeout(timer);
        resolve(listed() ?? device);
      };
      const check = () => {
        const now = listed();
        if (!now || now.details) end();
      };
      this.nameWaits.add(end);
      const subscription = this.changed.event(check);
      const timer = setTimeout(end, waitMs);
      timer.unref();
      check();
    });
  }

  private onSnapshot(snapshot: Snapshot): void {
    const devices = keepDevicesOfServersNotYetListed(this.deviceList, snapshot);
    const devicesChanged = diffDevices(byId(this.deviceList), byId(devices));
    const serversChanged = serversKey(this.serverList) !== serversKey(snapshot.servers);
    this.deviceList = devices;
    this.serverList = snapshot.servers;
    this.updatedAt = snapshot.at;
    const outcome = this.selectionRules.update(devices, snapshot.servers);
    if (!hasChanges(devicesChanged) && !serversChanged && outcome === 'unchanged') return;
    this.fire({ devices: devicesChanged, servers: serversChanged, selection: outcome !== 'unchanged' });
    this.fireSelectionNews(outcome);
  }

  private applySelection(outcome: SelectionOutcome): void {
    if (outcome === 'unchanged') return;
    this.fire({ selection: true });
    this.fireSelectionNews(outcome);
  }

  private fireSelectionNews(outcome: SelectionOutcome): void {
    const selected = this.selectionRules.selected;
    if (!selected) return;
    if (outcome === 'disconnected') this.disconnected.fire(selected);
    else if (outcome === 'reconnected') this.reconnected.fire(selected);
    else if (outcome === 'auto-selected') this.autoSelected.fire(selected);
  }

  private fire(change: Partial<WatcherChange>): void {
    this.changed.fire({ devices: NO_DEVICE_CHANGES, servers: false, state: false, selection: false, adb: false, ...change });
  }
}

/** Refused first: nothing listens, the commonest case; `other` last. */
const PROBLEM_ORDER: readonly ServerProblem[] = ['adb-missing', 'not-running', 'not-answering', 'not-adb', 'host-unreachable', 'closed', 'other'];

/**
 * A server that is still connecting has not said which devices it has: after a restart of the
 * worker (a settings change, a crash, start after stop) its devices stay as they were until its
 * first list, rather than vanishing for a moment and coming back.
 */
function keepDevicesOfServersNotYetListed(previous: readonly Device[], snapshot: Snapshot): Device[] {
  const waiting = new Set(snapshot.servers.filter((s) => s.status === 'connecting').map((s) => s.address));
  if (waiting.size === 0) return snapshot.devices;
  const listed = new Set(snapshot.devices.map((d) => d.server));
  const kept = previous.filter((d) => waiting.has(d.server) && !listed.has(d.server));
  if (kept.length === 0) return snapshot.devices;
  return [...snapshot.devices, ...kept].sort((a, b) => a.server.localeCompare(b.server) || a.serial.localeCompare(b.serial));
}

function byId(devices: readonly Device[]): Map<string, Device> {
  return new Map(devices.map((d) => [d.id, d]));
}

function serversKey(servers: readonly ServerState[] | undefined): string {
  return JSON.stringify(servers?.map(({ address, status, error, problem }) => [address, status, error, problem]) ?? null);
}
