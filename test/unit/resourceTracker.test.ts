// The resource tracker must see what `process.getActiveResourcesInfo()` does not: unref'd timers
// and worker threads, which is what every supervisor timer and worker is.

import * as assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { ResourceTracker } from '../support/resourceTracker';

describe('resource tracker', () => {
  let tracker: ResourceTracker | undefined;
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
    tracker?.stop();
    tracker = undefined;
  });

  it("sees an unref'd timer and an unref'd worker that getActiveResourcesInfo misses, and their end", async () => {
    tracker = ResourceTracker.start();
    const timer = setTimeout(() => undefined, 60_000).unref();
    cleanups.push(() => clearTimeout(timer));
    const worker = new Worker("require('node:worker_threads').parentPort.postMessage('up'); setInterval(() => {}, 60_000)", { eval: true });
    cleanups.push(() => worker.terminate());
    await new Promise((resolve) => worker.once('message', resolve));
    worker.unref();

    const counts = tracker.counts();
    assert.equal(counts.Timeout, 1, tracker.describe());
    assert.equal(counts.WORKER, 1, tracker.describe());
    const active = process.getActiveResourcesInfo();
    assert.ok(!active.includes('Worker') && !active.includes('WORKER'), `getActiveResourcesInfo: ${active.join(', ')}`);

    await assert.rejects(tracker.untilNoneAlive(50), /still alive[\s\S]*WORKER/);
    clearTimeout(timer);
    await worker.terminate();
    await tracker.untilNoneAlive(2000);
    assert.deepEqual(tracker.counts(), {});
  });

  it('counts only what was made after it started', async () => {
    const before = setTimeout(() => undefined, 60_000).unref();
    cleanups.push(() => clearTimeout(before));
    tracker = ResourceTracker.start();
    assert.deepEqual(tracker.counts(), {});
    await tracker.untilNoneAlive(100);
  });
});
