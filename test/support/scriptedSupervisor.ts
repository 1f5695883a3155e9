// The supervisor's fast tier: a PollerSupervisor on the scripted worker (scriptedWorker.ts), with
// its states and log lines recorded, and waits on its events (each with a deadline).

import { DEFAULT_POLLER_CONFIG, LogLine } from '../../src/core/types';
import { PollerState, PollerSupervisor, SupervisorOptions } from '../../src/core/supervisor/pollerSupervisor';
import { SCRIPTED_WORKER_SCRIPT, ScriptedWorkerOptions } from './scriptedWorker';

export interface Scripted {
  supervisor: PollerSupervisor;
  /** Every state entered, in order. */
  states: PollerState[];
  logs: LogLine[];
  /** Read at every spawn: a test may change it between workers. */
  script: ScriptedWorkerOptions;
}

export function scriptedSupervisor(script: ScriptedWorkerOptions = {}, options: Partial<SupervisorOptions> = {}): Scripted {
  const supervisor = new PollerSupervisor({
    workerScript: SCRIPTED_WORKER_SCRIPT,
    config: { ...DEFAULT_POLLER_CONFIG, servers: [], adbPath: '/bin/false' },
    extraWorkerData: script,
    readyTimeoutMs: 5000,
    stopDeadlineMs: 5000,
    disposeDeadlineMs: 5000,
    restartBackoff: { initialMs: 1, factor: 1, maxMs: 1 },
    ...options,
  });
  const scripted: Scripted = { supervisor, states: [], logs: [], script };
  supervisor.onDidChangeState(({ state }) => scripted.states.push(state));
  supervisor.onLog((line) => scripted.logs.push(line));
  return scripted;
}

/** Resolves when the supervisor is in `state` (now or next); rejects after `timeoutMs`. */
export function whenState(supervisor: PollerSupervisor, state: PollerState, timeoutMs = 5000): Promise<void> {
  if (supervisor.state === state) {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`not ${state} within ${timeoutMs} ms (it is ${supervisor.state}; last error: ${supervisor.lastError})`));
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

/** Resolves with the next log line matching `pattern`; rejects after `timeoutMs`. */
export function whenLog(supervisor: PollerSupervisor, pattern: RegExp, timeoutMs = 5000): Promise<LogLine> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`no log line matching ${pattern} within ${timeoutMs} ms (the poller is ${supervisor.state})`));
    }, timeoutMs);
    const subscription = supervisor.onLog((line) => {
      if (pattern.test(line.message)) {
        clearTimeout(timer);
        subscription.dispose();
        resolve(line);
      }
    });
  });
}
