// One `sync:` service on one device, opened through the watcher's worker as a stream with input,
// and the requests the files capability makes of it, one at a time (adbd answers in order and
// the protocol has no request ids): stat, list, read a file, write a file. Replies are read as
// they come; a FAIL carries adbd's words. The stream's end (the device gone, the watcher paused,
// stopped or killed) fails the request in flight and every later one with its reason.

import type { DeviceStream } from '../../core/supervisor/deviceStreams';
import type { DeviceServiceEnd } from '../../poller/deviceServiceProtocol';
import { dataFrames, doneFrame, pathProblem, sendPayload, SYNC_DATA_MAX, SyncEntry, SyncId, SyncStat, syncRequest } from './syncProtocol';

/** adbd said no (FAIL and its text), or the request could not be made. */
export class SyncError extends Error {
  constructor(
    message: string,
    /** Set when the stream ended: why (device-gone, paused, …). */
    readonly end?: DeviceServiceEnd,
  ) {
    super(message);
  }
}

/** Bytes as they arrive, taken by exact counts. */
class ReplyReader {
  private chunks: Buffer[] = [];
  private length = 0;
  private waiter?: { bytes: number; resolve: (data: Buffer) => void; reject: (error: Error) => void };
  private ended?: DeviceServiceEnd;

  push(chunk: Uint8Array): void {
    this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.length += chunk.byteLength;
    this.settle();
  }

  end(end: DeviceServiceEnd): void {
    this.ended = end;
    this.settle();
  }

  /** `bytes` at once when they are here (no promise per frame on a fast transfer), else undefined. */
  takeNow(bytes: number): Buffer | undefined {
    return !this.waiter && this.length >= bytes ? this.consume(bytes) : undefined;
  }

  take(bytes: number): Promise<Buffer> {
    if (this.waiter) return Promise.reject(new Error('one read at a time'));
    return new Promise((resolve, reject) => {
      this.waiter = { bytes, resolve, reject };
      this.settle();
    });
  }

  private settle(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    if (this.length >= waiter.bytes) {
      this.waiter = undefined;
      waiter.resolve(this.consume(waiter.bytes));
    } else if (this.ended) {
      this.waiter = undefined;
      waiter.reject(new SyncError(endWords(this.ended), this.ended));
    }
  }

  /** Slices where it can: a large transfer must not copy what it has not reached yet. */
  private consume(bytes: number): Buffer {
    this.length -= bytes;
    const head = this.chunks[0];
    if (head.length >= bytes) {
      if (head.length === bytes) this.chunks.shift();
      else this.chunks[0] = head.subarray(bytes);
      return head.subarray(0, bytes);
    }
    const parts: Buffer[] = [];
    for (let need = bytes; need > 0; ) {
      const chunk = this.chunks[0];
      if (chunk.length <= need) {
        parts.push(chunk);
        this.chunks.shift();
        need -= chunk.length;
      } else {
        parts.push(chunk.subarray(0, need));
        this.chunks[0] = chunk.subarray(need);
        need = 0;
      }
    }
    return Buffer.concat(parts, bytes);
  }
}

function endWords(end: DeviceServiceEnd): string {
  return end.reason === 'closed' ? 'the device closed the file service' : end.message;
}

export interface TransferProgress {
  (doneBytes: number, totalBytes: number | undefined): void;
}

/** How much of a file goes to the worker in one write (whole DATA frames). */
const WRITE_BATCH_BYTES = 1024 * 1024;
const WRITES_IN_FLIGHT = 4;
/** A size the device claims is trusted this far for one allocation; the rest grows as it comes. */
const PREALLOCATE_MAX_BYTES = 256 * 1024 * 1024;

export class SyncSession {
  private readonly reader = new ReplyReader();
  /** Requests run one after another: adbd's replies carry no id. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly stream: DeviceStream) {
    stream.onData((chunk) => this.reader.push(chunk));
    void stream.ended.then((end) => this.reader.end(end));
  }

  /** False once closed, refused (adbd ends the service after a FAIL) or its stream ended. */
  get usable(): boolean {
    return !this.closed && !this.stream.end;
  }

  /** v1 STAT (an lstat): mode 0 means nothing is there (v1 has no error field). */
  lstat(path: string): Promise<SyncStat> {
    return this.run(path, async () => {
      await this.stream.write(syncRequest(SyncId.LSTAT_V1, path));
      const { id, value: mode } = await this.head(SyncId.LSTAT_V1);
      const rest = await this.reader.take(8);
      if (id !== SyncId.LSTAT_V1) throw this.unexpected(id, SyncId.LSTAT_V1);
      return { mode, size: rest.readUInt32LE(0), mtime: rest.readUInt32LE(4) };
    });
  }

  /** LIST: every entry, `.` and `..` left out. A folder adbd could not open lists as empty in v1. */
  list(path: string): Promise<SyncEntry[]> {
    return this.run(path, async () => {
      await this.stream.write(syncRequest(SyncId.LIST_V1, path));
      const entries: SyncEntry[] = [];
      for (;;) {
        const { id, value: mode } = await this.head(SyncId.DENT_V1);
        if (id === SyncId.DONE) {
          // DONE carries a whole dent's worth of zeros (file_sync_service.cpp do_list).
          await this.reader.take(12);
          return entries;
        }
        if (id !== SyncId.DENT_V1) throw this.unexpected(id, SyncId.DENT_V1);
        const rest = await this.reader.take(12);
        const name = (await this.reader.take(rest.readUInt32LE(8))).toString('utf8');
        if (name === '.' || name === '..') continue;
        entries.push({ name, mode, size: rest.readUInt32LE(0), mtime: rest.readUInt32LE(4) });
      }
    });
  }

  /** RECV: the file's bytes, or adbd's FAIL ("open failed: …"). */
  read(path: string, progress?: TransferProgress, sizeHint?: number): Promise<Uint8Array> {
    return this.run(path, async () => {
      await this.stream.write(syncRequest(SyncId.RECV_V1, path));
      // Into one buffer of the size the file had a moment ago; what does not fit (it grew) is kept apart.
      const whole = Buffer.allocUnsafe(Math.min(sizeHint ?? 0, PREALLOCATE_MAX_BYTES));
      const beyond: Buffer[] = [];
      let done = 0;
      for (;;) {
        const head = this.reader.takeNow(8);
        const { id, value: length } = head && head.toString('latin1', 0, 4) !== SyncId.FAIL ? { id: head.toString('latin1', 0, 4), value: head.readUInt32LE(4) } : await this.head(SyncId.DATA, head);
        if (id === SyncId.DONE) return beyond.length === 0 ? whole.subarray(0, done) : Buffer.concat([whole, ...beyond], done);
        if (id !== SyncId.DATA || length > SYNC_DATA_MAX) throw this.unexpected(id, SyncId.DATA);
        const payload = this.reader.takeNow(length) ?? (await this.reader.take(length));
        const fits = Math.max(0, Math.min(length, whole.length - done));
        if (fits > 0) payload.copy(whole, done, 0, fits);
        if (fits < length) beyond.push(Buffer.from(payload.subarray(fits)));
        done += length;
        progress?.(done, sizeHint);
      }
    });
  }

  /** SEND: writes the file (parents made by adbd), then waits for OKAY or FAIL. */
  write(path: string, bytes: Uint8Array, mode: number, mtimeSeconds: number, progress?: TransferProgress): Promise<void> {
    return this.run(path, async () => {
      await this.stream.write(syncRequest(SyncId.SEND_V1, sendPayload(path, mode)));
      let done = 0;
      let sendError: unknown;
      try {
        // DATA frames go a batch per write: one round trip to the worker's socket per 1 MiB, not per 64 KiB.
        // A few writes in flight keep the worker's socket busy while the next batch is made.
        const inFlight: Promise<void>[] = [];
        for (const batch of dataFrames(bytes, WRITE_BATCH_BYTES)) {
          const written = this.stream.write(batch.frames).then(() => {
            done += batch.dataBytes;
            progress?.(done, bytes.length);
          });
          // Handled here too: when one fails the loop stops awaiting, and the others fail unheard.
          written.catch(() => undefined);
          inFlight.push(written);
          if (inFlight.length >= WRITES_IN_FLIGHT) await inFlight.shift();
        }
        await Promise.all(inFlight);
        await this.stream.write(doneFrame(mtimeSeconds));
      } catch (error) {
        // adbd refuses early (FAIL, then it closes): its words are in the reply, not in the write's end.
        sendError = error;
      }
      const { id } = await this.head(SyncId.OKAY);
      if (sendError) throw sendError;
      if (id !== SyncId.OKAY) throw this.unexpected(id, SyncId.OKAY);
    });
  }

  /** QUIT, then the stream goes; requests after it fail. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.stream.write(syncRequest(SyncId.QUIT)).catch(() => undefined).finally(() => this.stream.cancel());
  }

  private run<T>(path: string, request: () => Promise<T>): Promise<T> {
    const problem = pathProblem(path);
    const next = this.queue.then(() => {
      if (problem) throw new SyncError(`${path}: ${problem}`);
      if (this.closed) throw new SyncError('the file service was closed');
      return request();
    });
    // A failed request does not stop the ones after it; a broken stream fails them on its own.
    this.queue = next.catch(() => undefined);
    return next.catch((error: Error) => {
      // The stream's end says more than a write's rejection; adbd's own words (a FAIL) say most.
      const end = this.stream.end;
      if (end && !(error instanceof SyncError)) throw new SyncError(endWords(end), end);
      throw error;
    });
  }

  /** A reply's id and its first word; a FAIL is thrown with adbd's text (adbd then closes the service). */
  private async head(wanted: string, taken?: Buffer): Promise<{ id: string; value: number }> {
    const head = taken ?? (await this.reader.take(8));
    const id = head.toString('latin1', 0, 4);
    const value = head.readUInt32LE(4);
    if (id === SyncId.FAIL && wanted !== SyncId.FAIL) {
      // adbd closes the service after a FAIL (file_sync_service.cpp): later requests need a new one.
      this.closed = true;
      const words = (await this.reader.take(value)).toString('utf8');
      this.stream.cancel();
      throw new SyncError(words);
    }
    return { id, value };
  }

  private unexpected(got: string, wanted: string): SyncError {
    // The protocol cannot resynchronise after this: the session is done.
    this.closed = true;
    this.stream.cancel();
    return new SyncError(`the device answered ${JSON.stringify(got)} where the sync protocol has ${wanted}`);
  }
}
