import * as assert from 'node:assert/strict';
import { backoffDelay, WakeableSleep } from '../../src/common/backoff';
import { Emitter } from '../../src/common/events';

describe('backoff', () => {
  it('grows by the factor and stops at the cap', () => {
    const policy = { initialMs: 250, factor: 2, maxMs: 1500 };
    assert.deepEqual([0, 1, 2, 3, 4].map((attempt) => backoffDelay(policy, attempt)), [250, 500, 1000, 1500, 1500]);
  });

  it('a woken sleep ends at once, long before its timer', async () => {
    const sleep = new WakeableSleep();
    const started = performance.now();
    const slept = sleep.sleep(10_000);
    sleep.wake();
    await slept;
    assert.ok(performance.now() - started < 1000);
  });
});

describe('Emitter', () => {
  it('delivers to each subscription until it is disposed', () => {
    const emitter = new Emitter<number>();
    const seen: number[] = [];
    const subscription = emitter.event((value) => seen.push(value));
    emitter.fire(1);
    subscription.dispose();
    emitter.fire(2);
    assert.deepEqual(seen, [1]);
    assert.equal(emitter.listenerCount, 0);
  });
});
