// Every process and server that tests start, in one place, so that a failure anywhere (a `before`
// that failed midway, a test that threw) still stops them all: a fixture's `after` stops its own,
// and the root hooks (rootHooks.ts for mocha, and the in-host suite's and the UI runner's own)
// stop whatever is left. A child process or server left running keeps mocha from ever exiting.

export interface Started {
  readonly what: string;
  /** Runs the stop once, whoever asks first. */
  stop(): Promise<void>;
}

const running = new Set<Started>();

/** Registers something that is running now, with how to stop it. */
export function register(what: string, stop: () => Promise<unknown>): Started {
  let stopping: Promise<void> | undefined;
  const entry: Started = {
    what,
    stop: () =>
      (stopping ??= (async () => {
        running.delete(entry);
        await stop();
      })()),
  };
  running.add(entry);
  return entry;
}

/**
 * Stops these (by default everything still running), the last started first. Every stop is
 * tried; failures are thrown together afterwards.
 */
export async function stopAll(entries: Iterable<Started> = running): Promise<void> {
  const failures: Error[] = [];
  for (const entry of [...entries].reverse()) {
    try {
      await entry.stop();
    } catch (error) {
      failures.push(new Error(`stopping ${entry.what}: ${error instanceof Error ? error.message : String(error)}`));
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, failures.map((failure) => failure.message).join('; '));
}

/** What one fixture or suite started: registered the moment each thing is up, stopped together. */
export class StartedHere {
  private readonly entries: Started[] = [];

  /** Awaits `starting`, registers the result at once (before anything else can fail), returns it. */
  async start<T>(what: string, starting: Promise<T>, stop: (thing: T) => Promise<unknown>): Promise<T> {
    const thing = await starting;
    this.entries.push(register(what, () => stop(thing)));
    return thing;
  }

  /** Starts several things at once; when one fails, the others still finish starting and are registered, then it throws. */
  async startAll<T extends readonly Promise<unknown>[]>(...starts: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
    const results = await Promise.allSettled(starts);
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
    return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
  }

  stopAll(): Promise<void> {
    return stopAll(this.entries.splice(0));
  }
}
