// The supervisor's public types: its states and events, its options, and the error every call
// after dispose fails with. Re-exported by pollerSupervisor.ts.

import { BackoffPolicy } from '../backoff';
import { DeviceChanges, PollerConfig, Snapshot } from '../types';

export type PollerState =
  | 'idle'
  | 'starting'
  | 'running'
  | 'paused'
  | 'stopping'
  | 'stopped'
  | 'killed'
  | 'restarting'
  | 'crashed'
  | 'disposed';

export interface StateChange {
  previous: PollerState;
  state: PollerState;
  /** Why, when the change was not simply what a caller asked for. */
  reason?: string;
}

export interface DevicesUpdate {
  snapshot: Snapshot;
  changes: DeviceChanges;
}

export interface SupervisorOptions {
  /** The worker bundle (dist/worker.js). */
  workerScript: string;
  config: PollerConfig;
  /** Graceful stop: how long the worker gets before it is terminated. */
  stopDeadlineMs: number;
  /** The same, on dispose: VS Code gives the extension host ~5 s to shut down. */
  disposeDeadlineMs: number;
  /** A worker that has not said `ready` by then is a failed start. */
  readyTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** The heartbeat while the window is in the background. */
  backgroundHeartbeatIntervalMs: number;
  /** A ping unanswered this long (host stalls excepted): force-kill the worker and count a crash. */
  watchdogTimeoutMs: number;
  /** Restart after unrequested exits, unless more than `crashes` happened within `windowMs`. */
  restartBudget: { crashes: number; windowMs: number };
  restartBackoff: BackoffPolicy;
  /** A runaway worker becomes ERR_WORKER_OUT_OF_MEMORY (a crash), not a dead extension host. */
  maxHeapMb: number;
  /** Passed to each worker as `workerData.extra`, for a test entry that wraps the product's worker. */
  extraWorkerData?: unknown;
}

export const DEFAULT_SUPERVISOR_OPTIONS: Omit<SupervisorOptions, 'workerScript' | 'config'> = {
  stopDeadlineMs: 2000,
  disposeDeadlineMs: 1000,
  readyTimeoutMs: 10_000,
  heartbeatIntervalMs: 1000,
  // Each ping wakes the host and the worker (~0.1 % of a core at one a second). Nobody is looking:
  // a worker that stops answering may be ended ~10 s after its ping instead of 5-6 s (the ping in
  // flight is checked at each tick, against the same deadline).
  backgroundHeartbeatIntervalMs: 10_000,
  watchdogTimeoutMs: 5000,
  restartBudget: { crashes: 5, windowMs: 3 * 60_000 },
  restartBackoff: { initialMs: 500, factor: 2, maxMs: 10_000 },
  maxHeapMb: 64,
};

export class DisposedError extends Error {
  constructor() {
    super('the device poller has been disposed');
  }
}
