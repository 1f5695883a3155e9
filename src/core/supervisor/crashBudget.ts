// How many crashes in a sliding window the supervisor forgives, and how long it waits before each
// restart: a worker that crashes at once on every start must not spin.

import { BackoffPolicy, backoffDelay } from '../backoff';

export class CrashBudget {
  private times: number[] = [];

  constructor(
    private readonly budget: { crashes: number; windowMs: number },
    private readonly backoff: BackoffPolicy,
  ) {}

  /** Records a crash; the delay before the next start, or undefined when the budget is spent. */
  record(now = performance.now()): { crashes: number; restartInMs?: number } {
    this.times = this.times.filter((at) => now - at < this.budget.windowMs);
    this.times.push(now);
    const crashes = this.times.length;
    return crashes > this.budget.crashes ? { crashes } : { crashes, restartInMs: backoffDelay(this.backoff, crashes - 1) };
  }

  /** A deliberate start after the budget ran out gets a fresh one. */
  reset(): void {
    this.times = [];
  }
}
