import * as assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { backoffDelay, WakeableSleep } from '../../src/core/backoff';

describe('backoff', () => {
  it('grows by the factor and stops at the cap', () => {
    const policy = { initialMs: 250, factor: 2, maxMs: 1500 };
    assert.deepEqual([0, 1, 2, 3, 4].map((attempt) => backoffDelay(policy, attempt)), [250, 500, 1000, 1500, 1500]);
  });

  it('a woken sleep ends at once (before the next event-loop turn) and leaves no timer', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    await nextTurn(); // mocha arms the test's own timer once the test returns its promise: count after it
    const before = timers();
    const sleep = new WakeableSleep();
    let ended = false;
    void sleep.sleep(10_000).then(() => (ended = true));
    assert.equal(timers(), before + 1);
    sleep.wake();
    await nextTurn();
    assert.equal(ended, true);
    assert.equal(timers(), before);
  });
});
