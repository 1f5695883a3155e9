// Counts what this process really has alive: an async_hooks hook records the creation and the
// destruction of timers, immediates, worker threads, message ports, sockets, pipes and child
// processes and file-system watches. Unlike `process.getActiveResourcesInfo()` it also sees what has been unref'd (every
// supervisor timer and the worker thread are), so "nothing left behind" means nothing.
// Resources made by mocha itself (its test and hook timers) are ignored.

import { AsyncHook, createHook } from 'node:async_hooks';

const TRACKED = new Set(['Timeout', 'Immediate', 'WORKER', 'MESSAGEPORT', 'TCPWRAP', 'TCPCONNECTWRAP', 'TCPSERVERWRAP', 'PIPEWRAP', 'PIPECONNECTWRAP', 'PROCESSWRAP', 'UDPWRAP', 'FSEVENTWRAP']);
const MOCHA = /[\\/]node_modules[\\/]mocha[\\/]/;

/** For `where`: resources made by the supervisor's own code (its timers, its worker threads). */
export const MADE_BY_SUPERVISOR = /[\\/]src[\\/]core[\\/]supervisor[\\/]/;

export interface LiveResource {
  type: string;
  /** Where it was made. */
  stack: string;
}

export class ResourceTracker {
  private readonly live = new Map<number, LiveResource>();
  private readonly hook: AsyncHook;
  private readonly waiters = new Set<() => void>();
  /** Set while the tracker makes resources of its own. */
  private quiet = false;

  /** Starts recording: only what is made from now on is counted. */
  static start(): ResourceTracker {
    return new ResourceTracker();
  }

  private constructor() {
    this.hook = createHook({
      init: (asyncId, type) => {
        if (this.quiet || !TRACKED.has(type)) {
          return;
        }
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 30;
        const stack = new Error().stack ?? '';
        Error.stackTraceLimit = limit;
        const frames = stack.split('\n').slice(1).filter((frame) => !/\(node:|at node:|support[\\/]resourceTracker\.[jt]s/.test(frame));
        // Made by mocha itself when the first caller outside node's internals is mocha's.
        if (!MOCHA.test(frames[0] ?? '')) {
          this.live.set(asyncId, { type, stack: frames.join('\n') });
        }
      },
      destroy: (asyncId) => {
        if (this.live.delete(asyncId)) {
          for (const wake of [...this.waiters]) {
            wake();
          }
        }
      },
    });
    this.hook.enable();
  }

  /**
   * Lets node report destructions already under way (it reports a cleared timer's end a turn
   * later): two turns of the event loop, not a wait for time to pass.
   */
  async settle(): Promise<void> {
    for (let turn = 0; turn < 2; turn++) {
      this.quiet = true;
      const turned = new Promise((resolve) => setImmediate(resolve));
      this.quiet = false;
      await turned;
    }
  }

  /** What is alive now, of what was made since `start()`; `where` keeps those made by matching code. */
  alive(where?: RegExp): LiveResource[] {
    return [...this.live.values()].filter((resource) => !where || where.test(resource.stack));
  }

  /** How many of each type are alive. */
  counts(where?: RegExp): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const { type } of this.alive(where)) {
      counts[type] = (counts[type] ?? 0) + 1;
    }
    return counts;
  }

  /**
   * Resolves once nothing recorded is alive (of what matching code made, with `where`); rejects
   * after `timeoutMs` with what still is.
   */
  untilNoneAlive(timeoutMs: number, where?: RegExp): Promise<void> {
    if (this.alive(where).length === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        clearInterval(awake);
        this.waiters.delete(wake);
      };
      const wake = () => {
        if (this.alive(where).length > 0) {
          return;
        }
        done();
        resolve();
      };
      this.quiet = true;
      const timer = setTimeout(() => {
        done();
        reject(new Error(`still alive after ${timeoutMs} ms:\n${this.describe(where)}`));
      }, timeoutMs);
      // Node reports destructions from an unref'd immediate, which runs only when something else
      // wakes the event loop: keep it awake while waiting, or they would all arrive with the timeout.
      const awake = setInterval(() => undefined, 5);
      this.quiet = false;
      this.waiters.add(wake);
    });
  }

  describe(where?: RegExp): string {
    return this.alive(where)
      .map(({ type, stack }) => `${type}\n${stack.split('\n').slice(0, 8).join('\n')}`)
      .join('\n');
  }

  /** Stops recording; safe to call twice. */
  stop(): void {
    this.hook.disable();
    this.live.clear();
    this.waiters.clear();
  }
}

/**
 * Mocha hooks: a tracker started before each test; after it, `end` (which disposes what the test
 * made), then a wait until everything made during the test is gone. Returns the current tracker.
 */
export function useResourceTracker(end: () => Promise<void> | void, timeoutMs: number): () => ResourceTracker {
  let tracker: ResourceTracker | undefined;
  beforeEach(() => {
    tracker = ResourceTracker.start();
  });
  afterEach(async () => {
    try {
      await end();
      await tracker?.untilNoneAlive(timeoutMs);
    } finally {
      tracker?.stop();
      tracker = undefined;
    }
  });
  return () => {
    if (!tracker) throw new Error('the resource tracker runs only inside a test');
    return tracker;
  };
}
