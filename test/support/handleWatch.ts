// Counts the handles (timers, sockets, child processes, immediates) created in this process while
// it is enabled and not yet closed, through async_hooks: unlike process.getActiveResourcesInfo(),
// it also sees unref'd timers and sockets, which keep nothing alive here but would be a leak.

import { createHook } from 'node:async_hooks';

const HANDLE_TYPES = new Set(['Timeout', 'Immediate', 'TCPWRAP', 'TCPCONNECTWRAP', 'PROCESSWRAP', 'PIPEWRAP', 'SIGNALWRAP']);

export class HandleWatch {
  private readonly live = new Map<number, string>();
  private onChange?: () => void;
  /** Our own wait timer is not counted. */
  private ignoring = false;
  private readonly hook = createHook({
    init: (asyncId, type) => {
      if (!this.ignoring && HANDLE_TYPES.has(type)) this.live.set(asyncId, type);
    },
    destroy: (asyncId) => {
      if (this.live.delete(asyncId)) this.onChange?.();
    },
  });

  constructor() {
    this.hook.enable();
  }

  /** Handle types still alive, with counts. */
  alive(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const type of this.live.values()) counts[type] = (counts[type] ?? 0) + 1;
    return counts;
  }

  /**
   * Resolves once every handle created since construction is gone; rejects after `timeoutMs` with
   * what is left. Handles close asynchronously (a destroyed socket closes on a later turn).
   */
  allGone(timeoutMs: number): Promise<void> {
    if (this.live.size === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.ignoring = true;
      const timer = setTimeout(() => {
        this.onChange = undefined;
        clearInterval(awake);
        reject(new Error(`handles still alive after ${timeoutMs} ms: ${JSON.stringify(this.alive())}`));
      }, timeoutMs);
      // Node runs destroy hooks from an unref'd immediate, i.e. only when something else wakes the
      // event loop: keep it awake while waiting, or they would all arrive with the timeout.
      const awake = setInterval(() => undefined, 5);
      this.ignoring = false;
      this.onChange = () => {
        if (this.live.size === 0) {
          this.onChange = undefined;
          clearTimeout(timer);
          clearInterval(awake);
          resolve();
        }
      };
    });
  }

  dispose(): void {
    this.hook.disable();
    this.onChange = undefined;
  }
}
