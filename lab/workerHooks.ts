// Test hooks of the worker, for tests and benchmarks: a supervisor built with `hookedWorker(...)`
// runs lab/hookedWorker.js (the product's worker plus these hooks). Messages go straight
// to the supervisor's live worker thread; heap reports come back on a channel of their own, so
// the supervisor never sees a message outside the protocol.

import * as path from 'node:path';
import { MessageChannel, MessagePort } from 'node:worker_threads';
import type { PollerSupervisor, SupervisorOptions } from '../src/core/supervisor/pollerSupervisor';

export interface WorkerHookOptions {
  /** On `sendBusyLoop` the worker spins forever (stuck where it cannot see a stop). */
  allowBusyLoop?: boolean;
  /** Crash (throw) this many ms after start. */
  crashAfterMs?: number;
  /** Never answer pings (a hung event loop as far as the watchdog can tell). */
  ignorePings?: boolean;
  /** On `sendLeak` the worker keeps growing its heap (a runaway that must hit the heap cap). */
  allowLeak?: boolean;
  /** Answer `workerHeapUsage` with the worker's own `process.memoryUsage()`. */
  reportHeap?: boolean;
  /** On `sendCrash` the worker throws (an uncaught exception: a crash). */
  allowCrash?: boolean;
}

/** The worker's `process.memoryUsage()`, as the heap hook reports it. */
export interface WorkerMemoryUsage {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export type HookMessage =
  | { type: 'test-busy-loop' }
  | { type: 'test-leak' }
  | { type: 'test-heap'; reply: MessagePort }
  | { type: 'test-handles'; reply: MessagePort }
  | { type: 'test-crash' };

/** The compiled test entry (out/lab/hookedWorker.js). */
export const HOOKED_WORKER_SCRIPT = path.join(__dirname, 'hookedWorker.js');

/**
 * Supervisor options for a worker with hooks. The object is read at every spawn, so a test may
 * change it between workers (drop a crash once the poller has crashed for good).
 */
export function hookedWorker(options: WorkerHookOptions): Pick<SupervisorOptions, 'workerScript' | 'extraWorkerData'> {
  return { workerScript: HOOKED_WORKER_SCRIPT, extraWorkerData: options };
}

function send(supervisor: PollerSupervisor, message: HookMessage, transfer: MessagePort[] = []): void {
  const thread = supervisor.workerThread;
  if (!thread) {
    throw new Error(`no live worker to send ${message.type} to (the poller is ${supervisor.state})`);
  }
  thread.postMessage(message, transfer);
}

/** The worker spins forever (needs `allowBusyLoop`). */
export function sendBusyLoop(supervisor: PollerSupervisor): void {
  send(supervisor, { type: 'test-busy-loop' });
}

/** The worker grows its heap until it hits `maxHeapMb` (needs `allowLeak`). */
export function sendLeak(supervisor: PollerSupervisor): void {
  send(supervisor, { type: 'test-leak' });
}

/** The worker's own memory usage (needs `reportHeap`); rejects after `timeoutMs`. */
export function workerHeapUsage(supervisor: PollerSupervisor, timeoutMs = 2000): Promise<WorkerMemoryUsage> {
  return askWorker(supervisor, (reply) => ({ type: 'test-heap', reply }), 'its heap', timeoutMs);
}

/** The handles keeping the worker's event loop alive, by kind (sockets, timers): what it holds. */
export function workerHandles(supervisor: PollerSupervisor, timeoutMs = 2000): Promise<Record<string, number>> {
  return askWorker(supervisor, (reply) => ({ type: 'test-handles', reply }), 'its handles', timeoutMs);
}

/** The worker throws an uncaught exception (needs `allowCrash`). */
export function sendCrash(supervisor: PollerSupervisor): void {
  send(supervisor, { type: 'test-crash' });
}

function askWorker<T>(supervisor: PollerSupervisor, message: (reply: MessagePort) => HookMessage, what: string, timeoutMs: number): Promise<T> {
  const { port1, port2 } = new MessageChannel();
  return new Promise<T>((resolve, reject) => {
    send(supervisor, message(port2), [port2]);
    const timer = setTimeout(() => {
      reject(new Error(`the worker did not report ${what} within ${timeoutMs} ms (state ${supervisor.state})`));
    }, timeoutMs);
    port1.once('message', (answer: T) => {
      clearTimeout(timer);
      resolve(answer);
    });
  }).finally(() => port1.close());
}
