import * as assert from 'node:assert/strict';
import { PendingRequests } from '../../src/core/supervisor/pendingRequests';

describe('PendingRequests', () => {
  it('hands a reply to every caller waiting on its key, and only to them', async () => {
    const pending = new PendingRequests<number, string>();
    const first = pending.wait(1);
    const again = pending.wait(1);
    const other = pending.wait(2);
    pending.settle(1, 'one');
    assert.deepEqual(await Promise.all([first, again]), ['one', 'one']);
    assert.equal(pending.size, 1);
    pending.settle(3, 'nobody waits'); // dropped
    pending.settle(2, 'two');
    assert.equal(await other, 'two');
    assert.equal(pending.size, 0);
  });

  it('settles everything still waiting at once', async () => {
    const pending = new PendingRequests<string, string>();
    const waiting = [pending.wait('paused'), pending.wait('resumed'), pending.wait('paused')];
    pending.settleAll('gone');
    assert.deepEqual(await Promise.all(waiting), ['gone', 'gone', 'gone']);
    assert.equal(pending.size, 0);
  });
});
