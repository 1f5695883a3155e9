// What the extension host and the poller worker both speak of: devices, adb servers, snapshots,
// the poller's config, one-off adb commands and their results, log lines. Types and constants
// only; imported by every layer, importing nothing.

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
  /** An emulator's AVD (`ro.boot.qemu.avd_name`, older images `ro.kernel.qemu.avd_name`). */
  avdName?: string;
  /** An emulator that adb lists before its boot completes (`sys.boot_completed` is not 1 yet). */
  booting?: boolean;
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
  /**
   * Another device on the same server has this serial: `adb -s` cannot tell them apart (adb's
   * `-t TRANSPORT_ID` can), and the id then carries the transport id.
   */
  sharesSerial?: boolean;
  details?: DeviceDetails;
}

/**
 * adb's state, except that an emulator still booting is `booting`, not yet ready for commands (adb
 * lists it as `device` long before its boot completes; until its properties are read, it counts
 * as booting).
 */
export function effectiveState(device: Pick<Device, 'state' | 'details' | 'connection'>): DeviceState {
  if (device.state !== 'device') return device.state;
  if (device.details?.booting || (device.connection === 'emulator' && !device.details)) return 'booting';
  return device.state;
}

export type ServerStatus = 'connecting' | 'connected' | 'unreachable';

/**
 * Why a server is unreachable, for the words the status bar uses: nothing listens (`not-running`),
 * it accepted and never answered (`not-answering`), something that is not adb answered or the reply
 * was malformed (`not-adb`), the host cannot be reached (`host-unreachable`), it closed the connection
 * (`closed`), the adb executable needed to start it is missing (`adb-missing`), anything else (`other`).
 */
export type ServerProblem = 'not-running' | 'not-answering' | 'not-adb' | 'host-unreachable' | 'closed' | 'adb-missing' | 'other';

export interface ServerState {
  /** `host:port` as configured. */
  address: string;
  status: ServerStatus;
  /** Why the server is unreachable (or the last error), in words a user can act on. */
  error?: string;
  /** The kind of failure behind `error`, while unreachable. */
  problem?: ServerProblem;
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
  /** The same while the window is in the background (never shorter than pollIntervalMs). */
  backgroundPollIntervalMs: number;
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
  // In the background a vanished TCP device or an `unauthorized` change may show up to 10 s late
  // (a new device still shows at once, by push, and focus polls at once): a poll (a connection to
  // adb, its wake-ups) costs 1.5-2.5 ms of CPU, so 0.02 % of a core instead of 0.2 %.
  backgroundPollIntervalMs: 10_000,
  adbPath: 'adb',
  startServer: false,
  requestTimeoutMs: 2000,
  coalesceMs: 10,
};

/**
 * One-off adb commands (Wi-Fi connect / disconnect, Troubleshoot, and any host service a
 * capability asks for, such as wireless pairing's), run by the worker.
 */
export type AdbCommand =
  | { kind: 'connect'; server: string; address: string }
  | { kind: 'disconnect'; server: string; serial: string }
  | { kind: 'version'; server: string }
  /** `adb -P PORT start-server`, for a server on this machine only. */
  | { kind: 'start-server'; server: string }
  /**
   * A host service on the server (`host:…`), for a capability that parses the reply itself: the
   * message is the reply's text, whether the server said OKAY or FAIL (`ok`). The service string
   * is the capability's, never device data pasted in unchecked.
   */
  | {
      kind: 'host-service';
      server: string;
      service: string;
      /** The whole request's deadline; the request timeout when not given. */
      deadlineMs?: number;
      /** A part of the service that never appears in a log or an error (a pairing password). */
      secret?: string;
      /** Poll the server's devices once it answered (the request may have changed them). */
      refreshAfter?: boolean;
    };

/** The outcome of an adb command: adb's own words when it answered, ours when it did not. */
export interface CommandResult {
  ok: boolean;
  message: string;
  /** The server does not know the command's host service (an older adb). */
  unsupported?: true;
  /** The server took the request but did not finish its answer by the deadline. */
  timedOut?: true;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

export interface LogLine {
  level: LogLevel;
  message: string;
  /** Epoch ms. */
  at: number;
}
