// Exponential backoff shared by the worker's reconnects and the supervisor's crash restarts.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor: number;
}

export function backoffDelay(policy: BackoffPolicy, attempt: number): number {
  return Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt));
}

/**
 * A sleep that can be cut short: stopping must never wait for a timer to run out
 * (graceful stop is only as fast as the worker's sleep is interruptible).
 */
export class WakeableSleep {
  private pending?: { timer: NodeJS.Timeout; resolve: () => void };

  sleep(ms: number): Promise<void> {
    this.wake();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        resolve();
      }, ms);
      this.pending = { timer, resolve };
    });
  }

  wake(): void {
    if (this.pending) {
      clearTimeout(this.pending.timer);
      const { resolve } = this.pending;
      this.pending = undefined;
      resolve();
    }
  }
}
