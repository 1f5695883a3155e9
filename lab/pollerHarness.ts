// Shared by the poller tests and benchmarks: a supervisor on the real worker bundle, a record of
// its state sequence and logs, and event-driven waits on it with deadlines.

import * as path from 'node:path';
import { DEFAULT_POLLER_CONFIG, Device, PollerConfig, Snapshot } from '../src/core/types';
import { PollerState, PollerSupervisor, SupervisorOptions } from '../src/core/supervisor/pollerSupervisor';
import { waitUntil } from './wait';
import { AdbSearch } from '../src/core/adbLocator';
import { Emitter } from '../src/core/events';
import { SelectionMemento } from '../src/devices/model/selection';
import { WatcherModel } from '../src/devices/model/watcherModel';

/** The esbuild bundle the extension ships (`npm run build`), not a test double. */
export const WORKER_SCRIPT = path.resolve(__dirname, '..', '..', 'dist', 'worker.js');

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

/** Resolves with the current snapshot once `predicate` holds for it (checked on every snapshot), or rejects after `timeoutMs`. */
export function waitForSnapshot(
  supervisor: PollerSupervisor,
  predicate: (snapshot: Snapshot) => boolean,
  timeoutMs: number,
  what = 'snapshot',
): Promise<Snapshot> {
  return waitUntil(() => supervisor.snapshot && predicate(supervisor.snapshot) && supervisor.snapshot, timeoutMs, what, {
    on: [supervisor.onDidChangeDevices],
    explain: () => `last: ${JSON.stringify(supervisor.snapshot)}`,
  });
}

export async function waitForState(supervisor: PollerSupervisor, state: PollerState, timeoutMs: number): Promise<void> {
  await waitUntil(() => supervisor.state === state, timeoutMs, `the poller to be ${state}`, {
    on: [supervisor.onDidChangeState],
    explain: () => `it is ${supervisor.state}; last error: ${supervisor.lastError}`,
  });
}

/** Resolves once the harness has logged `count` lines that match `pattern` (checked on every log line). */
export async function waitForLogs(harness: Harness, pattern: RegExp, count: number, timeoutMs: number, what: string): Promise<void> {
  await waitUntil(() => harness.logs.filter((line) => pattern.test(line)).length >= count, timeoutMs, what, {
    on: [harness.supervisor.onLog],
    explain: () => harness.logs.join('\n'),
  });
}

export function deviceIn(snapshot: Snapshot, serial: string, server?: string): Device | undefined {
  return snapshot.devices.find((device) => device.serial === serial && (!server || device.server === server));
}

/** Workspace state without a workspace: nothing is remembered, so the first ready device is taken. */
class MemoryMemento implements SelectionMemento {
  private readonly values = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.values.get(key) as T | undefined;
  }
  update(key: string, value: unknown): Promise<void> {
    this.values.set(key, value);
    return Promise.resolve();
  }
}

/**
 * The watcher model over a harness's supervisor, as the extension builds it, without VS Code: a
 * memory for the selection and no adb search (capabilities' models stand on it in tests and benchmarks).
 */
export function watcherModelOn(supervisor: PollerSupervisor): WatcherModel {
  return new WatcherModel(supervisor, new MemoryMemento(), { search: undefined as AdbSearch | undefined, onDidChange: new Emitter<AdbSearch>().event });
}
