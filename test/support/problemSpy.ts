// For fault and hostile-input tests: catches what must never happen while they run.
//  - an unhandled rejection in this process (a `process.on('unhandledRejection')` spy);
//  - an unhandled rejection or uncaught error in the worker: Bluebird prints "Unhandled rejection"
//    on the worker's stderr, which Node pipes through this process's `process.stderr.write`, and
//    Node's own handling ends the worker, which the supervisor logs as "the device poller failed".

import * as assert from 'node:assert/strict';
import type { Harness } from '../../lab/pollerHarness';

export class ProblemSpy {
  readonly rejections: unknown[] = [];
  readonly stderr: string[] = [];
  private readonly originalWrite = process.stderr.write;
  private readonly onRejection = (reason: unknown) => this.rejections.push(reason);

  constructor() {
    process.on('unhandledRejection', this.onRejection);
    const original = this.originalWrite;
    const seen = this.stderr;
    process.stderr.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      const text = String(chunk);
      if (/unhandled|uncaught/i.test(text)) seen.push(text);
      return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof process.stderr.write;
  }

  dispose(): void {
    process.off('unhandledRejection', this.onRejection);
    process.stderr.write = this.originalWrite;
  }

  /** Nothing unhandled here or in the worker, and the worker never failed. */
  assertClean(harness?: Harness): void {
    assert.deepEqual(this.rejections.map(String), [], 'unhandled rejections in the test process');
    assert.deepEqual(this.stderr, [], 'unhandled errors printed by the worker');
    if (harness) {
      const bad = harness.logs.filter((line) => /unhandled|the device poller failed|exited unexpectedly/i.test(line));
      assert.deepEqual(bad, [], 'the supervisor logged a worker failure');
    }
  }
}

/**
 * Mocha hooks for tests that each watch through one harness: a fresh spy before each test; after
 * it, the spy's verdict and then, whatever it said, the harness disposed, `cleanup` run and the
 * spy removed. `current` reads the test file's harness variable at that moment.
 */
export function useProblemSpy(current: () => Harness | undefined, cleanup: () => Promise<void> | void = () => undefined): void {
  let spy: ProblemSpy | undefined;
  beforeEach(() => {
    spy = new ProblemSpy();
  });
  afterEach(async () => {
    const harness = current();
    try {
      spy?.assertClean(harness);
    } finally {
      try {
        await harness?.supervisor.dispose();
        await cleanup();
      } finally {
        spy?.dispose();
        spy = undefined;
      }
    }
  });
}
