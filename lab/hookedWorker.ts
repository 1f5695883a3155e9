// A test entry for the worker: the product's worker (src/poller/worker.ts, unbundled) with test
// hooks added as an extra message handler, and a test capability's worker part (countingCapability.ts). Its options come in `workerData.extra`, which the
// product never reads. Talk to it through workerHooks.ts; the shipped bundle has none of this.

import { MessagePort, workerData } from 'node:worker_threads';
import { runWorker } from '../src/poller/worker';
import { activeHandles } from './resources';
import { countingCapability } from './countingCapability';
import type { HookMessage, WorkerHookOptions, WorkerMemoryUsage } from './workerHooks';

const options: WorkerHookOptions = ((workerData as { extra?: WorkerHookOptions }).extra ?? {});

runWorker({ capabilities: [countingCapability], extraHandler });

function extraHandler(message: unknown): boolean {
  const hook = message as HookMessage | { type: string };
  switch (hook.type) {
    case 'ping':
      // Never answering pings: a hung event loop as far as the watchdog can tell.
      return options.ignorePings === true;
    case 'test-busy-loop':
      if (options.allowBusyLoop) {
        for (;;) {
          // A worker stuck where no message can reach it: only terminate() ends this.
        }
      }
      return true;
    case 'test-leak':
      if (options.allowLeak) {
        leakForever();
      }
      return true;
    case 'test-heap':
      if (options.reportHeap && 'reply' in hook) {
        reportHeap(hook.reply);
      }
      return true;
    case 'test-handles':
      if ('reply' in hook) {
        hook.reply.postMessage(activeHandles());
        hook.reply.close();
      }
      return true;
    case 'test-crash':
      if (options.allowCrash) {
        setImmediate(() => {
          throw new Error('test hook: worker crashed on purpose');
        });
      }
      return true;
    default:
      return false;
  }
}

if (options.crashAfterMs !== undefined) {
  setTimeout(() => {
    throw new Error('test hook: worker crashed on purpose');
  }, options.crashAfterMs);
}

function reportHeap(reply: MessagePort): void {
  // A test process that set V8's --expose-gc gets a settled heap; elsewhere gc is absent.
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
  const memory: WorkerMemoryUsage = { rss, heapTotal, heapUsed, external, arrayBuffers };
  reply.postMessage(memory);
  reply.close();
}

/**
 * A runaway that keeps every object it makes, a few MB of JS heap per turn, and yields between
 * turns (it still answers pings): only the heap cap (`maxHeapMb`) can end it.
 */
function leakForever(): void {
  const kept: unknown[][] = [];
  const grow = (): void => {
    const chunk: unknown[] = [];
    for (let i = 0; i < 100_000; i++) {
      chunk.push({ i, text: `leak ${i}` });
    }
    kept.push(chunk);
    setImmediate(grow);
  };
  grow();
}
