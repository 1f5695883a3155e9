// One worker thread's run (src/core/supervisor/workerRun.ts) on the scripted worker: requests made
// after its thread ended answer at once instead of waiting for a reply that cannot come.

import * as assert from 'node:assert/strict';
import { DEFAULT_POLLER_CONFIG } from '../../src/core/types';
import { WorkerRun } from '../../src/core/supervisor/workerRun';
import { SCRIPTED_WORKER_SCRIPT } from '../support/scriptedWorker';

describe('WorkerRun after its thread ended', () => {
  it('answers an adb command, a pause and a resume at once, without posting to the dead thread', async () => {
    const exits: number[] = [];
    const run = new WorkerRun(
      {
        workerScript: SCRIPTED_WORKER_SCRIPT,
        workerData: { config: { ...DEFAULT_POLLER_CONFIG, servers: [], adbPath: '/bin/false' }, extra: {} },
        maxHeapMb: 32,
        readyTimeoutMs: 5000,
        heartbeatIntervalMs: 60_000,
        backgroundHeartbeatIntervalMs: 60_000,
        watchdogTimeoutMs: 60_000,
      },
      { ready: () => undefined, message: () => undefined, log: () => undefined, exit: ({ code }) => exits.push(code) },
    );
    await run.ready;
    await run.kill();
    assert.equal(exits.length, 1);
    assert.deepEqual(await run.runCommand({ kind: 'version', server: '127.0.0.1:5037' }), { ok: false, message: 'the device watcher stopped before adb answered' });
    await run.pause();
    await run.resume();
  });
});
