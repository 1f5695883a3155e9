// A test capability's worker part, registered by the test worker entry (hookedWorker.ts): it opens
// a device stream in the worker and counts its bytes and lines there, posting only the counts to
// the host (as a log parser would post its records). Its messages are typed on both sides through
// CountingToWorker and CountingFromWorker; each job is named by the message id.

import { DeviceServiceError, DeviceServiceStream } from '../src/core/adb/deviceServices';
import { DeviceServiceEnd, DeviceServiceTarget } from '../src/poller/deviceServiceProtocol';
import { WorkerCapability, WorkerCapabilityContext } from '../src/poller/workerCapabilities';

export const COUNTING_CAPABILITY = 'test-counting';

export type CountingToWorker =
  /** Open `service` and count its output until it ends; `input` is written to it first, then its input ends. */
  | { op: 'count'; target: DeviceServiceTarget; service: string; input?: string }
  /** A job with no device service, only a timer of its own: it ends on cancel, pause or stop (endAll). */
  | { op: 'wait' }
  /** Progress now (a `progress` message) for the job. */
  | { op: 'progress' }
  | { op: 'cancel' }
  /** The part throws (a capability's bug must come back as an error, not end the worker). */
  | { op: 'throw' };

export type CountingFromWorker =
  | { event: 'opened' }
  | { event: 'progress'; bytes: number; lines: number }
  | { event: 'ended'; bytes: number; lines: number; end: DeviceServiceEnd };

interface Job {
  controller: AbortController;
  stream?: DeviceServiceStream;
  timer?: NodeJS.Timeout;
  bytes: number;
  lines: number;
  done: boolean;
}

type Context = WorkerCapabilityContext<CountingFromWorker>;

const jobs = new Map<number, Job>();

/** Ends a job once, saying so to the host. */
function finish(id: number, job: Job, end: DeviceServiceEnd, context: Context): void {
  if (job.done) return;
  job.done = true;
  jobs.delete(id);
  clearInterval(job.timer);
  job.stream?.finish(end);
  job.controller.abort();
  context.post({ event: 'ended', bytes: job.bytes, lines: job.lines, end }, { id });
}

export const countingCapability: WorkerCapability<CountingToWorker, CountingFromWorker> = {
  name: COUNTING_CAPABILITY,

  handle({ id, payload }, context) {
    if (payload.op === 'throw') throw new Error('the counting part failed on purpose');
    if (id === undefined) throw new Error('a counting job needs an id');
    const job = jobs.get(id);
    if (payload.op === 'progress') {
      if (job) context.post({ event: 'progress', bytes: job.bytes, lines: job.lines }, { id });
      return;
    }
    if (payload.op === 'cancel') {
      if (job) finish(id, job, { reason: 'cancelled', message: 'cancelled' }, context);
      return;
    }
    if (job) throw new Error(`counting job ${id} runs already`);
    const fresh: Job = { controller: new AbortController(), bytes: 0, lines: 0, done: false };
    jobs.set(id, fresh);
    if (payload.op === 'wait') {
      fresh.timer = setInterval(() => undefined, 60_000);
      return;
    }
    const reader = {
      data(chunk: Buffer) {
        fresh.bytes += chunk.length;
        for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) fresh.lines++;
      },
      end: (end: DeviceServiceEnd) => finish(id, fresh, end, context),
    };
    context.services.open(payload.target, payload.service, reader, { signal: fresh.controller.signal }).then(
      (stream) => {
        if (fresh.done) return stream.close();
        fresh.stream = stream;
        context.post({ event: 'opened' }, { id });
        stream.resume();
        if (payload.input !== undefined) {
          void stream.write(Buffer.from(payload.input)).then(() => stream.endInput(), () => undefined);
        }
      },
      (error: unknown) => finish(id, fresh, error instanceof DeviceServiceError ? error.end : { reason: 'failed', message: String(error) }, context),
    );
  },

  endAll(reason, context) {
    for (const [id, job] of [...jobs]) finish(id, job, { reason, message: `the device watcher ${reason}` }, context);
  },
};
