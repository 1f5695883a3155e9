import * as assert from 'node:assert/strict';
import { Emitter } from '../../src/core/events';

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
