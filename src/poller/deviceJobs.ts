// The host's device jobs, in the worker: each `device-request` and `device-stream-open` message
// runs on DeviceServices, and each stream's output goes to the host under credit-based flow
// control. The host grants a window of bytes; the worker posts output only within the credit left
// (bytes posted and not yet acknowledged never pass the window) and stops reading the socket once
// what it holds and what is un-acknowledged reach the window, so a slow or paused reader holds the
// adb server and the device through TCP instead of growing memory anywhere. Output read in one
// event-loop turn goes out as one message, its bytes in a transferred ArrayBuffer.

import { DeviceServiceEnd, DeviceServiceHostMessage, DeviceStreamCounters, STREAM_WINDOW_BYTES } from './deviceServiceProtocol';
import { DeviceServiceError, DeviceServices, DeviceServiceStream, DeviceStreamReader } from '../core/adb/deviceServices';
import { WorkerMessage } from './protocol';

type Post = (message: WorkerMessage, transfer?: ArrayBuffer[]) => void;

/** Ends that the worker or the host decided: output not yet posted is dropped, not drained. */
const FORCED = new Set<DeviceServiceEnd['reason']>(['cancelled', 'paused', 'stopped']);

interface HostJob {
  cancel(): void;
  ack(bytes: number): void;
  write(data: ArrayBuffer): void;
  endInput(): void;
  /** Ends it now, saying so to the host (once). */
  end(end: DeviceServiceEnd): void;
}

export class DeviceJobs {
  private readonly jobs = new Map<number, HostJob>();

  constructor(
    private readonly services: DeviceServices,
    private readonly post: Post,
  ) {}

  handle(message: DeviceServiceHostMessage): void {
    switch (message.type) {
      case 'device-request':
        this.request(message);
        break;
      case 'device-stream-open':
        this.open(message);
        break;
      case 'device-stream-ack':
        this.jobs.get(message.id)?.ack(message.bytes);
        break;
      case 'device-cancel':
        this.jobs.get(message.id)?.cancel();
        break;
      case 'device-stream-write':
        this.jobs.get(message.id)?.write(message.data);
        break;
      case 'device-stream-end-input':
        this.jobs.get(message.id)?.endInput();
        break;
    }
  }

  /**
   * The watcher pauses or stops: every job ends with `reason`, said to the host now (before the
   * worker says paused or stopped), and every socket of theirs is destroyed.
   */
  endAll(reason: 'paused' | 'stopped'): void {
    const end: DeviceServiceEnd = { reason, message: `the device watcher ${reason}` };
    for (const job of [...this.jobs.values()]) {
      job.end(end);
    }
    this.services.endAll(reason);
  }

  private request(message: Extract<DeviceServiceHostMessage, { type: 'device-request' }>): void {
    const { id } = message;
    if (!this.claim(id)) return;
    const controller = new AbortController();
    let done = false;
    const job: HostJob = {
      cancel: () => controller.abort(),
      ack: () => undefined,
      write: () => undefined,
      endInput: () => undefined,
      end: (end) => {
        if (done) return;
        done = true;
        this.jobs.delete(id);
        this.post({ type: 'device-end', id, end });
      },
    };
    this.jobs.set(id, job);
    this.services.request(message.target, message.service, { maxBytes: message.maxBytes, timeoutMs: message.timeoutMs, signal: controller.signal }).then(
      (output) => {
        if (done) return;
        done = true;
        this.jobs.delete(id);
        const data = copyOut([output], output.length);
        this.post({ type: 'device-request-result', id, data }, [data]);
      },
      (error: unknown) => job.end(endOf(error)),
    );
  }

  private open(message: Extract<DeviceServiceHostMessage, { type: 'device-stream-open' }>): void {
    const { id, windowBytes } = message;
    if (!this.claim(id)) return;
    if (!Number.isInteger(windowBytes) || windowBytes < STREAM_WINDOW_BYTES.min || windowBytes > STREAM_WINDOW_BYTES.max) {
      this.post({ type: 'device-end', id, end: { reason: 'failed', message: `a stream window must be ${STREAM_WINDOW_BYTES.min}-${STREAM_WINDOW_BYTES.max} bytes (got ${windowBytes})` } });
      return;
    }
    const controller = new AbortController();
    const forwarded = new ForwardedStream(id, windowBytes, this.post, () => this.jobs.delete(id));
    this.jobs.set(id, {
      cancel: () => forwarded.cancel(controller),
      ack: (bytes) => forwarded.ack(bytes),
      write: (data) => forwarded.write(data),
      endInput: () => forwarded.endInput(),
      end: (end) => forwarded.finish(end),
    });
    this.services.open(message.target, message.service, forwarded, { timeoutMs: message.timeoutMs, signal: controller.signal }).then(
      (stream) => forwarded.opened(stream),
      (error: unknown) => forwarded.finish(endOf(error)),
    );
  }

  /** A fresh id is taken; a second job with an id in use is refused (the first goes on). */
  private claim(id: number): boolean {
    if (!Number.isSafeInteger(id) || this.jobs.has(id)) {
      this.post({ type: 'log', level: 'warn', message: `device job ${JSON.stringify(id)} refused: its id is not a fresh whole number` });
      return false;
    }
    return true;
  }
}

/** One stream's output on its way to the host: what the worker holds, what the host has not acknowledged. */
class ForwardedStream implements DeviceStreamReader {
  private stream?: DeviceServiceStream;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private unacked = 0;
  private flushing?: NodeJS.Immediate;
  /** A natural end that waits for the output held before it to be posted. */
  private ending?: DeviceServiceEnd;
  private ended = false;
  private readonly counters: DeviceStreamCounters = { bytes: 0, maxUnacked: 0, maxHeld: 0 };
  /** At most this much per message, so acknowledgements come back while the rest of the window is in flight. */
  private readonly maxMessageBytes: number;

  constructor(
    private readonly id: number,
    private readonly window: number,
    private readonly post: Post,
    private readonly onDone: () => void,
  ) {
    this.maxMessageBytes = Math.max(STREAM_WINDOW_BYTES.min, Math.floor(window / 4));
  }

  opened(stream: DeviceServiceStream): void {
    if (this.ended) {
      stream.close();
      return;
    }
    this.stream = stream;
    this.post({ type: 'device-stream-opened', id: this.id });
    stream.resume();
  }

  data(chunk: Buffer): void {
    if (this.ended) return;
    // A piece never exceeds a message, so every piece fits in the window once acknowledgements come.
    for (let offset = 0; offset < chunk.length; offset += this.maxMessageBytes) {
      this.held.push(offset === 0 && chunk.length <= this.maxMessageBytes ? chunk : chunk.subarray(offset, offset + this.maxMessageBytes));
    }
    this.heldBytes += chunk.length;
    this.counters.maxHeld = Math.max(this.counters.maxHeld, this.heldBytes + this.unacked);
    if (this.heldBytes + this.unacked >= this.window) {
      this.stream?.pause();
    }
    this.flushing ??= setImmediate(() => {
      this.flushing = undefined;
      this.flush();
    });
  }

  end(end: DeviceServiceEnd): void {
    if (FORCED.has(end.reason) || this.heldBytes === 0) {
      this.finish(end);
    } else {
      this.ending = end;
    }
  }

  ack(bytes: number): void {
    if (this.ended || !Number.isFinite(bytes) || bytes <= 0) return;
    this.unacked = Math.max(0, this.unacked - bytes);
    this.flush();
    if (!this.ended && this.heldBytes + this.unacked < this.window) {
      this.stream?.resume();
    }
  }

  /**
   * The host's input, written in order; `device-stream-written` once the socket took it. The host
   * writes only after `device-stream-opened`. A write the stream's end overtook gets no answer:
   * the end itself tells the host (it fails every write still waiting).
   */
  write(data: ArrayBuffer): void {
    if (this.ended || !this.stream || !(data instanceof ArrayBuffer)) return;
    const bytes = data.byteLength;
    this.stream.write(new Uint8Array(data)).then(
      () => {
        if (!this.ended) this.post({ type: 'device-stream-written', id: this.id, bytes });
      },
      () => undefined,
    );
  }

  endInput(): void {
    if (!this.ended) this.stream?.endInput();
  }

  cancel(controller: AbortController): void {
    if (this.stream) {
      this.stream.close();
    } else {
      controller.abort();
    }
  }

  /** Ends it now (once): held output dropped, the socket closed, the host told with the counters. */
  finish(end: DeviceServiceEnd): void {
    if (this.ended) return;
    this.ended = true;
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    this.held = [];
    this.heldBytes = 0;
    this.stream?.finish(end);
    this.onDone();
    this.post({ type: 'device-end', id: this.id, end, counters: this.counters });
  }

  /**
   * Posts held output within the credit left, whole pieces only, up to a message's worth per
   * message. A piece that owns its memory (as the socket's reads do) is transferred as it is.
   */
  private flush(): void {
    while (!this.ended && this.held.length > 0 && this.unacked + this.held[0].length <= this.window) {
      const chunks: ArrayBuffer[] = [];
      let size = 0;
      while (this.held.length > 0 && size + this.held[0].length <= this.maxMessageBytes && this.unacked + size + this.held[0].length <= this.window) {
        const piece = this.held.shift()!;
        size += piece.length;
        chunks.push(ownsItsMemory(piece) ? (piece.buffer as ArrayBuffer) : copyOut([piece], piece.length));
      }
      this.heldBytes -= size;
      this.unacked += size;
      this.counters.bytes += size;
      this.counters.maxUnacked = Math.max(this.counters.maxUnacked, this.unacked);
      this.post({ type: 'device-stream-data', id: this.id, chunks, unacked: this.unacked }, chunks);
    }
    if (this.ending && this.heldBytes === 0) {
      this.finish(this.ending);
    }
  }
}

/** A Buffer that is its whole ArrayBuffer: transferring it detaches nothing else (never a pooled slice). */
function ownsItsMemory(piece: Buffer): boolean {
  return piece.byteOffset === 0 && piece.byteLength === piece.buffer.byteLength && piece.buffer instanceof ArrayBuffer;
}

/** The first `size` bytes of `chunks` in an ArrayBuffer of their own, to transfer (never a pooled one). */
function copyOut(chunks: readonly Buffer[], size: number): ArrayBuffer {
  const data = new ArrayBuffer(size);
  const view = new Uint8Array(data);
  let offset = 0;
  for (const chunk of chunks) {
    if (offset >= size) break;
    const part = chunk.subarray(0, size - offset);
    view.set(part, offset);
    offset += part.length;
  }
  return data;
}

function endOf(error: unknown): DeviceServiceEnd {
  return error instanceof DeviceServiceError ? error.end : { reason: 'failed', message: error instanceof Error ? error.message : String(error) };
}
