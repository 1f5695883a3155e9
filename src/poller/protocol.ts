// Every message between the extension host and the poller worker, in one place.
// Bump PROTOCOL_VERSION on any incompatible change; the host refuses a worker that answers
// `ready` with another version (a stale bundle after an update).

export const PROTOCOL_VERSION = 1;

/** adb's own state words; anything else the server says is kept verbatim. */
export const KNOWN_DEVICE_STATES = [
  'device',
  'offline',
  'unauthorized',
  'authorizing',
  'connecting',
  'no permissions',
  'recovery',
  'sideload',
  'bootloader',
  'rescue',
  'host',
] as const;
export type KnownDeviceState = (typeof KNOWN_DEVICE_STATES)[number];
export type DeviceState = KnownDeviceState | (string & {});

export type ConnectionKind = 'usb' | 'tcp' | 'emulator';

/** Fetched once when a device first reaches `device`, cached per transport id. */
export interface DeviceDetails {
  manufacturer?: string;
  model?: string;
  androidRelease?: string;
  sdkLevel?: number;
  abi?: string;
}

export interface Device {
  /** Unique across servers: `${server}/${serial}`. */
  id: string;
  /** The adb server (`host:port`) that reports this device. */
  server: string;
  serial: string;
  state: DeviceState;
  connection: ConnectionKind;
  transportId?: string;
  product?: string;
  model?: string;
  device?: string;
  /** The `usb:` bus path, when the server gives one. */
  usb?: string;
  /** What adb adds after some states (the `no permissions` explanation). */
  stateDetail?: string;
  details?: DeviceDetails;
}

export type ServerStatus = 'connecting' | 'connected' | 'unreachable';

export interface ServerState {
  /** `host:port` as configured. */
  address: string;
  status: ServerStatus;
  /** Why the server is unreachable (or the last error), in words a user can act on. */
  error?: string;
  /** When the server was last seen answering (epoch ms). */
  lastSeen?: number;
}

export interface DeviceChanges {
  added: Device[];
  removed: Device[];
  changed: Device[];
}

export interface Snapshot {
  /** Increases by one per snapshot message from one worker. */
  seq: number;
  /** Epoch ms when the worker produced it. */
  at: number;
  devices: Device[];
  servers: ServerState[];
}

export interface PollerConfig {
  /** adb servers to watch, `host:port`. */
  servers: string[];
  /** Reconciliation poll period; push events arrive in between. */
  pollIntervalMs: number;
  /** Executable used only to start a server that is not running. */
  adbPath: string;
  /** Start the adb server when it is not running (at most once per reconnect step). */
  startServer: boolean;
  /** Per-request deadline for the adb server. */
  requestTimeoutMs: number;
  /** Shortest window between two snapshot messages; a burst inside it becomes one message. */
  coalesceMs: number;
}

export const DEFAULT_POLLER_CONFIG: PollerConfig = {
  servers: ['127.0.0.1:5037'],
  pollIntervalMs: 1000,
  adbPath: 'adb',
  startServer: false,
  requestTimeoutMs: 2000,
  coalesceMs: 10,
};

/** Test-only hooks, set through workerData by tests and benchmarks, never by the product. */
export interface WorkerTestHooks {
  /** On a `test-busy-loop` message the worker spins forever (a worker stuck where it cannot see the stop flag). */
  allowBusyLoop?: boolean;
  /** Crash (throw) this many ms after start. */
  crashAfterMs?: number;
  /** Never answer pings (a hung event loop as far as the watchdog can tell). */
  ignorePings?: boolean;
  /** On a `test-leak` message the worker keeps growing its heap (a runaway that must hit the heap cap). */
  allowLeak?: boolean;
  /** Answer `test-heap` with the worker's own `process.memoryUsage()` (soak runs and leak tests). */
  reportHeap?: boolean;
}

/** The worker's `process.memoryUsage()`, as the `test-heap` hook reports it. */
export interface WorkerMemoryUsage {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface WorkerData {
  config: PollerConfig;
  testHooks?: WorkerTestHooks;
}

/** One-off adb commands the user asks for (Wi-Fi connect / disconnect, Troubleshoot), run by the worker. */
export type AdbCommand =
  | { kind: 'connect'; server: string; address: string }
  | { kind: 'disconnect'; server: string; serial: string }
  | { kind: 'version'; server: string };

// host -> worker
export type HostMessage =
  | { type: 'adb-command'; id: number; command: AdbCommand }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'refresh' }
  | { type: 'stop' }
  | { type: 'ping'; id: number }
  | { type: 'test-busy-loop' }
  /** Test hook only (`testHooks.allowLeak`): grow the heap until the worker runs out of memory. */
  | { type: 'test-leak' }
  /** Test hook only (`testHooks.reportHeap`): answer with the worker's memory usage. */
  | { type: 'test-heap'; id: number };

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

// worker -> host
export type WorkerMessage =
  | { type: 'ready'; protocolVersion: number }
  | { type: 'snapshot'; snapshot: Snapshot; changes: DeviceChanges }
  | { type: 'paused' }
  | { type: 'resumed' }
  | { type: 'stopped' }
  | { type: 'pong'; id: number }
  | { type: 'adb-command-result'; id: number; ok: boolean; message: string }
  | { type: 'log'; level: LogLevel; message: string }
  /** Test hook only: the answer to `test-heap`. */
  | { type: 'test-heap'; id: number; memory: WorkerMemoryUsage };
