// Requests to the worker waiting for their reply, by key: an id for adb commands, the ack's name
// for pause/resume. Several callers may wait on one key; all of them hear the reply. When the
// worker exits every waiter is settled at once with a stand-in answer, so no caller hangs.

export class PendingRequests<K, T> {
  private readonly waiting = new Map<K, ((value: T) => void)[]>();

  /** Resolves with the reply to `key`, or with the stand-in given to `settleAll`. */
  wait(key: K): Promise<T> {
    return new Promise((resolve) => {
      const waiters = this.waiting.get(key);
      if (waiters) {
        waiters.push(resolve);
      } else {
        this.waiting.set(key, [resolve]);
      }
    });
  }

  /** The reply to `key` arrived; a reply nobody waits for is dropped. */
  settle(key: K, value: T): void {
    const waiters = this.waiting.get(key);
    this.waiting.delete(key);
    for (const resolve of waiters ?? []) {
      resolve(value);
    }
  }

  /** Settles everything still waiting (the worker is gone). */
  settleAll(value: T): void {
    for (const key of [...this.waiting.keys()]) {
      this.settle(key, value);
    }
  }

  get size(): number {
    return this.waiting.size;
  }
}
