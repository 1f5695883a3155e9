import * as assert from 'node:assert/strict';
import { CrashBudget } from '../../src/core/supervisor/crashBudget';

describe('CrashBudget', () => {
  const backoff = { initialMs: 100, factor: 2, maxMs: 250 };

  it('backs off with each crash in the window and stops restarting past the budget', () => {
    const budget = new CrashBudget({ crashes: 3, windowMs: 1000 }, backoff);
    assert.deepEqual([0, 10, 20, 30].map((at) => budget.record(at)), [
      { crashes: 1, restartInMs: 100 },
      { crashes: 2, restartInMs: 200 },
      { crashes: 3, restartInMs: 250 },
      { crashes: 4 },
    ]);
  });

  it('forgets crashes older than the window', () => {
    const budget = new CrashBudget({ crashes: 1, windowMs: 1000 }, backoff);
    assert.deepEqual(budget.record(0), { crashes: 1, restartInMs: 100 });
    assert.deepEqual(budget.record(1000), { crashes: 1, restartInMs: 100 });
    assert.deepEqual(budget.record(1500), { crashes: 2 });
  });

  it('starts afresh after reset, as on a deliberate start', () => {
    const budget = new CrashBudget({ crashes: 0, windowMs: 1000 }, backoff);
    assert.deepEqual(budget.record(0), { crashes: 1 });
    budget.reset();
    assert.deepEqual(budget.record(1), { crashes: 1 });
  });
});
