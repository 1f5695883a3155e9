// Shared by the poller tests and benchmarks: a supervisor on the real worker bundle, a record of
// its state sequence, event-driven waits with deadlines, and leak counters.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_POLLER_CONFIG, Device, PollerConfig, Snapshot } from '../../src/shared/types';
import { PollerState, PollerSupervisor, SupervisorOptions } from '../../src/supervisor/pollerSupervisor';

/** The esbuild bundle the extension ships (`npm run build`), not a test double. */
export const WORKER_SCRIPT = path.resolve(__dirname, '..', '..', '..', 'dist', 'worker.js');

export interface Harness {
  supervisor: PollerSupervisor;
  states: PollerState[];
  logs: string[];
  snapshots: Snapshot[];
}

export function createPoller(
  config: Partial<PollerConfig>,
  options: Partial<Omit<SupervisorOptions, 'config'>> = {},
): Harness {
  const supervisor = new PollerSupervisor({
    workerScript: WORKER_SCRIPT,
    // Tests must never start an adb server by accident: a binary that cannot start one.
    config: { ...DEFAULT_POLLER_CONFIG, adbPath: '/bin/false', startServer: false, ...config },
    ...options,
  });
  const harness: Harness = { supervisor, states: [], logs: [], snapshots: [] };
  supervisor.onDidChangeState(({ state }) => harness.states.push(state));
  supervisor.onLog(({ level, message }) => harness.logs.push(`${level}: ${message}`));
  supervisor.onDidChangeDevices(({ snapshot }) => harness.snapshots.push(snapshot));
  return harness;
}

/** Resolves when `predicate` holds for the current snapshot, or rejects after `timeoutMs`. */
export function waitForSnapshot(
  supervisor: PollerSupervisor,
  predicate: (snapshot: Snapshot) => boolean,
  timeoutMs: number,
  what = 'snapshot',
): Promise<Snapshot> {
  if (supervisor.snapshot && predicate(supervisor.snapshot)) {
    return Promise.resolve(supervisor.snapshot);
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`no ${what} within ${timeoutMs} ms; last: ${JSON.stringify(supervisor.snapshot)}`));
    }, timeoutMs);
    const subscription = supervisor.onDidChangeDevices(({ snapshot }) => {
      if (predicate(snapshot)) {
        clearTimeout(timer);
        subscription.dispose();
        resolve(snapshot);
      }
    });
  });
}

export function waitForState(supervisor: PollerSupervisor, state: PollerState, timeoutMs: number): Promise<void> {
  if (supervisor.state === state) {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`poller not ${state} within ${timeoutMs} ms (it is ${supervisor.state}; last error: ${supervisor.lastError})`));
    }, timeoutMs);
    const subscription = supervisor.onDidChangeState((change) => {
      if (change.state === state) {
        clearTimeout(timer);
        subscription.dispose();
        resolve();
      }
    });
  });
}

export function deviceIn(snapshot: Snapshot, serial: string, server?: string): Device | undefined {
  return snapshot.devices.find((device) => device.serial === serial && (!server || device.server === server));
}

/** Handles of this process by kind (sockets, timers, message ports), to prove nothing is left behind. */
export function activeHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/**
 * Established TCP connections from this process (its worker threads included) to a port, read
 * from the kernel's table: the adb server cannot be asked how many clients it has.
 */
export async function connectionsTo(port: number): Promise<number> {
  const inodes = new Set<string>();
  for (const fd of await fs.readdir('/proc/self/fd')) {
    const link = await fs.readlink(`/proc/self/fd/${fd}`).catch(() => '');
    const match = /^socket:\[(\d+)\]$/.exec(link);
    if (match) {
      inodes.add(match[1]);
    }
  }
  let count = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await fs.readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const remotePort = parseInt(fields[2].split(':')[1], 16);
      const established = fields[3] === '01';
      if (established && remotePort === port && inodes.has(fields[9])) {
        count++;
      }
    }
  }
  return count;
}
