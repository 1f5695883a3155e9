// The messages of the worker's device services (deviceServices.ts), part of the worker protocol
// (protocol.ts joins them to its unions): a device service (`shell:`, `exec:`, `sync:`) on one
// transport of one adb server, run as a request or as a stream with credit-based flow control.
// Messages and their bounds only; both sides import it.

/** The device a service runs on: an adb server (`host:port`) and the device's serial; its transport id when adb listed one. */
export interface DeviceServiceTarget {
  server: string;
  serial: string;
  /** Preferred: it names one connection of the device (a device that reconnects gets a new one). */
  transportId?: string;
}

/**
 * Why a request or a stream ended (each ends exactly once, with one of these):
 * - `closed`: the device ended the service (its natural end; a request's output is complete).
 * - `cancelled`: the host cancelled it.
 * - `device-gone`: adb dropped the device's transport (unplugged, offline, adb lost it), closing the service.
 * - `paused`, `stopped`: the watcher paused or stopped; the worker closed the service first.
 * - `killed`, `crashed`: the worker ended without a word; the host side ended it.
 * - `not-running`: the watcher was not running when it was asked for (nothing was sent).
 * - `timeout`: not done within its deadline (a request; a stream until it opened).
 * - `too-large`: a request's output passed its byte bound.
 * - `failed`: anything else (adb refused the device or the service, the server went away); see the message.
 */
export type DeviceServiceEndReason =
  | 'closed'
  | 'cancelled'
  | 'device-gone'
  | 'paused'
  | 'stopped'
  | 'killed'
  | 'crashed'
  | 'not-running'
  | 'timeout'
  | 'too-large'
  | 'failed';

export interface DeviceServiceEnd {
  reason: DeviceServiceEndReason;
  /** A sentence for the log or the user: adb's own words where it gave some. */
  message: string;
}

/** The worker's flow-control counters of one stream, sent with its end. */
export interface DeviceStreamCounters {
  /** Bytes of the service's output posted to the host. */
  bytes: number;
  /** The most bytes posted and not yet acknowledged at any time: never above the window. */
  maxUnacked: number;
  /** The most bytes the worker held for the stream at any time (un-acked plus read, not yet posted). */
  maxHeld: number;
}

/** A stream's window: un-acknowledged bytes the worker may have posted before it stops reading. */
export const STREAM_WINDOW_BYTES = { default: 4 * 1024 * 1024, min: 64 * 1024, max: 16 * 1024 * 1024 } as const;
/** A request's output bound: beyond a few MB, stream it. */
export const REQUEST_MAX_BYTES = { default: 1024 * 1024, max: 16 * 1024 * 1024 } as const;
/** Deadlines a caller may ask for (ms). */
export const DEVICE_SERVICE_TIMEOUT_MS = { min: 1, max: 10 * 60_000 } as const;

// host -> worker
export type DeviceServiceHostMessage =
  /**
   * Collect the service's output up to `maxBytes`, within `timeoutMs` (connect and the whole
   * reply; by default 3 request timeouts, as a getprop).
   */
  | { type: 'device-request'; id: number; target: DeviceServiceTarget; service: string; maxBytes: number; timeoutMs?: number }
  /** Open the service within `timeoutMs` (the same default) and forward its output, at most `windowBytes` un-acknowledged. */
  | { type: 'device-stream-open'; id: number; target: DeviceServiceTarget; service: string; windowBytes: number; timeoutMs?: number }
  /** The host has taken `bytes` more of the stream's output: the worker may post that many more. */
  | { type: 'device-stream-ack'; id: number; bytes: number }
  /** End a request or a stream now (`cancelled`). */
  | { type: 'device-cancel'; id: number }
  /** Input for an open stream (stdin, a `sync:` request), transferred; answered by `device-stream-written` once the socket took it. */
  | { type: 'device-stream-write'; id: number; data: ArrayBuffer }
  /** No more input: the worker half-closes the socket after the writes before it (adb then closes a raw service). */
  | { type: 'device-stream-end-input'; id: number };

// worker -> host. A request's last message is its result or its end; a stream's is its end.
export type DeviceServiceWorkerMessage =
  /** A request's whole output (transferred, not copied). */
  | { type: 'device-request-result'; id: number; data: ArrayBuffer }
  /** The device accepted the stream's service. */
  | { type: 'device-stream-opened'; id: number }
  /** The next chunks of a stream's output (transferred, as the socket read them); `unacked`: the worker's count with these. */
  | { type: 'device-stream-data'; id: number; chunks: ArrayBuffer[]; unacked: number }
  /** The socket took the stream's next write (`bytes` long); writes are answered in order. None after the end. */
  | { type: 'device-stream-written'; id: number; bytes: number }
  | { type: 'device-end'; id: number; end: DeviceServiceEnd; counters?: DeviceStreamCounters };
