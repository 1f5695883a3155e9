// The one wait of the lab, its tests and benchmarks: until a condition holds, checked at once and
// then whenever one of the given events fires; only where no event exists (a kernel socket table,
// a fake server's accept count, another process's pid) every `everyMs` instead. Always bounded.
// Letting time pass on purpose (to prove that nothing happens) is `setTimeout` of
// `node:timers/promises`, not this.

/** An event in the shape of vscode.Event and src/core/events.ts: subscribe, get a disposable. */
export type Subscribe = (listener: () => void) => { dispose(): void };

export interface WaitOptions {
  /** Check again whenever one of these fires. Without any, the condition is polled. */
  on?: readonly Subscribe[];
  /** The polling period when no event is given (default 10 ms). */
  everyMs?: number;
  /** Appended to the timeout error: the state the wait ended in. */
  explain?: () => string;
}

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/**
 * Resolves with the condition's first truthy value; rejects after `timeoutMs`, naming `what`, or
 * with the condition's own error. A condition that returns a promise is never run twice at once.
 */
export function waitUntil<T>(condition: () => T | Promise<T>, timeoutMs: number, what: string, options: WaitOptions = {}): Promise<Truthy<T>> {
  return new Promise<Truthy<T>>((resolve, reject) => {
    let settled = false;
    let checking = false;
    let checkAgain = false;
    const subscriptions = (options.on ?? []).map((subscribe) => subscribe(() => check()));
    // Polling: the next check `everyMs` after the last one ended, so a slow check never piles up.
    const polling = subscriptions.length === 0;
    let poll: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      const state = options.explain ? `; ${options.explain()}` : '';
      finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state}`)));
    }, timeoutMs);

    function finish(settle: () => void): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(poll);
      for (const subscription of subscriptions) subscription.dispose();
      settle();
    }

    function accept(value: T): void {
      if (value) {
        finish(() => resolve(value as Truthy<T>));
      } else if (polling && !settled) {
        poll = setTimeout(check, options.everyMs ?? 10);
      } else if (checkAgain) {
        checkAgain = false;
        check();
      }
    }

    function check(): void {
      if (settled) return;
      if (checking) {
        checkAgain = true;
        return;
      }
      let value: T | Promise<T>;
      try {
        value = condition();
      } catch (error) {
        finish(() => reject(error));
        return;
      }
      // A plain value is judged in the same turn as the event that prompted it.
      if (!isThenable(value)) {
        accept(value);
        return;
      }
      checking = true;
      Promise.resolve(value).then(
        (result) => {
          checking = false;
          accept(result);
        },
        (error: unknown) => finish(() => reject(error)),
      );
    }

    check();
  });
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}
