// Every message between the extension host and the poller worker, in one place (the types they
// carry are in shared/types.ts).
// Bump PROTOCOL_VERSION on any incompatible change; the host refuses a worker that answers
// `ready` with another version (a stale bundle after an update).

import { AdbCommand, DeviceChanges, LogLevel, PollerConfig, Snapshot } from '../shared/types';

export const PROTOCOL_VERSION = 1;

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
