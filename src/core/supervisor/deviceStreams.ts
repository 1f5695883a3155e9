// The host's side of the worker's device services (src/core/adb/deviceServices.ts): a request's
// promise and a stream's reader, for one worker thread (a WorkerRun owns one client). A stream
// acknowledges each chunk once its listeners had it; pause() stops delivering and so stops the
// acknowledgements, and the worker stops reading within its window. Every request and stream
// ends exactly once: by the worker's word, or, when the worker exits without one (a kill, a
// crash), by endAll() here.

import { Emitter, Event } from '../events';
import {
  DeviceServiceEnd,
  DeviceServiceHostMessage,
  DeviceServiceTarget,
  DeviceServiceWorkerMessage,
  DeviceStreamCounters,
  REQUEST_MAX_BYTES,
  STREAM_WINDOW_BYTES,
} from '../../poller/deviceServiceProtocol';

export type { DeviceServiceEnd, DeviceServiceEndReason, DeviceServiceTarget, DeviceStreamCounters } from '../../poller/deviceServiceProtocol';

export interface DeviceRequestOptions {
  /** Output past this is refused (`too-large`); default 1 MiB, at most 16 MiB (stream anything larger). */
  maxBytes?: number;
  /** One deadline for connect and the whole reply; default 3 request timeouts of the poller config. */
  timeoutMs?: number;
  /** Cancels it: the result is `cancelled` (unless it was done first). */
  signal?: AbortSignal;
}

export type DeviceRequestResult = { ok: true; data: Uint8Array } | { ok: false; end: DeviceServiceEnd };

export interface DeviceStreamOptions {
  /** Bytes the worker may have sent and this side not yet taken (default 4 MiB, 64 KiB-16 MiB). */
  windowBytes?: number;
  /** Until the device accepted the service; default 3 request timeouts of the poller config. */
  timeoutMs?: number;
}

/** Ends that drop output still queued here (it was cut anyway); other ends come after it. */
const FORCED = new Set<DeviceServiceEnd['reason']>(['cancelled', 'paused', 'stopped', 'killed', 'crashed']);

type Post = (message: DeviceServiceHostMessage, transfer?: ArrayBuffer[]) => void;

/** A write that could not be done: the stream ended first (`end` says how), or its input had ended. */
export class DeviceStreamWriteError extends Error {
  constructor(readonly end: DeviceServiceEnd) {
    super(end.message);
  }
}

const INPUT_ENDED: DeviceServiceEnd = { reason: 'failed', message: "the stream's input has ended" };
const CANCELLED: DeviceServiceEnd = { reason: 'cancelled', message: 'cancelled' };

/** What the host has seen of a stream's flow, and the worker's counters once it ended. */
export interface DeviceStreamStats {
  receivedBytes: number;
  deliveredBytes: number;
  queuedBytes: number;
  /** The highest `unacked` the worker reported with its data: never above the window. */
  maxReportedUnacked: number;
  /** The worker's own counters, sent with its end (absent when it ended without a word). */
  worker?: DeviceStreamCounters;
}

/**
 * One device service's output, as it comes. Listen with onData (each chunk once, in order); the
 * end comes after the last chunk (`ended`, `onEnd`). pause() holds delivery, and with it the
 * worker and the device, within the window; cancel() ends it (`cancelled`, unless it had ended).
 */
export class DeviceStream {
  private readonly dataEmitter = new Emitter<Uint8Array>();
  private readonly endEmitter = new Emitter<DeviceServiceEnd>();
  readonly onData: Event<Uint8Array> = this.dataEmitter.event;
  readonly onEnd: Event<DeviceServiceEnd> = this.endEmitter.event;
  /** Resolves with the end, once; never rejects. */
  readonly ended: Promise<DeviceServiceEnd>;
  /** Resolves true once the device accepted the service, false when it ended before. */
  readonly opened: Promise<boolean>;
  private resolveEnded!: (end: DeviceServiceEnd) => void;
  private resolveOpened!: (opened: boolean) => void;
  private readonly queue: Uint8Array[] = [];
  private paused = false;
  private delivering = false;
  private cancelled = false;
  private pendingEnd?: DeviceServiceEnd;
  private finalEnd?: DeviceServiceEnd;
  private readonly flow: DeviceStreamStats = { receivedBytes: 0, deliveredBytes: 0, queuedBytes: 0, maxReportedUnacked: 0 };
  /** Writes sent and not yet taken by the worker's socket, oldest first (answered in order). */
  private readonly writes: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private inputEnded = false;

  constructor(
    readonly id: number,
    readonly windowBytes: number,
    private readonly post: Post,
  ) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.opened = new Promise((resolve) => (this.resolveOpened = resolve));
  }

  /** A stream that ended before it was asked for (the watcher not running). */
  static endedAt(end: DeviceServiceEnd): DeviceStream {
    const stream = new DeviceStream(0, 0, () => undefined);
    stream.close(end);
    return stream;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Undefined until it ended. */
  get end(): DeviceServiceEnd | undefined {
    return this.finalEnd;
  }

  get stats(): DeviceStreamStats {
    return { ...this.flow };
  }

  /** No data events until resume(); what arrives meanwhile waits here, at most the window. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.deliver();
  }

  /**
   * Writes `data` to the service (stdin, a `sync:` request), after the device accepted it; the
   * bytes are copied, the caller keeps its buffer. Resolves once the worker's socket has taken
   * them, so a writer awaiting each write never grows memory anywhere. Rejects with a
   * DeviceStreamWriteError: the stream's end when it ended (or was cancelled) before, and so does
   * every write still waiting when it ends; `failed` after endInput().
   */
  write(data: Uint8Array): Promise<void> {
    const refusal = this.finalEnd ?? this.pendingEnd ?? (this.cancelled ? CANCELLED : this.inputEnded ? INPUT_ENDED : undefined);
    if (refusal) return Promise.reject(new DeviceStreamWriteError(refusal));
    const copy = new ArrayBuffer(data.byteLength);
    new Uint8Array(copy).set(data);
    return new Promise<void>((resolve, reject) => {
      this.writes.push({ resolve, reject });
      // In order with every write and endInput() before it (each waits on the same promise).
      void this.opened.then((opened) => {
        if (opened && this.accepting) this.post({ type: 'device-stream-write', id: this.id, data: copy }, [copy]);
      });
    });
  }

  /**
   * No more input, after the writes before it. A raw service (`shell:`, `exec:`) then ends: adb
   * closes it on the device (it has no half-close), so output not yet read may be lost.
   */
  endInput(): void {
    if (this.inputEnded || !this.accepting) return;
    this.inputEnded = true;
    void this.opened.then((opened) => {
      if (opened && this.accepting) this.post({ type: 'device-stream-end-input', id: this.id });
    });
  }

  private get accepting(): boolean {
    return !this.finalEnd && !this.pendingEnd && !this.cancelled;
  }

  /** Ends it: no more data; `ended` resolves once the worker closed the service (or exited). */
  cancel(): void {
    if (this.finalEnd || this.cancelled) return;
    this.cancelled = true;
    this.failWrites(CANCELLED);
    this.dropQueue();
    this.post({ type: 'device-cancel', id: this.id });
  }

  /** @internal the worker's messages about this stream (DeviceServiceClient). */
  onMessage(message: Exclude<DeviceServiceWorkerMessage, { type: 'device-request-result' }>): void {
    if (this.finalEnd) return;
    switch (message.type) {
      case 'device-stream-opened':
        this.resolveOpened(true);
        break;
      case 'device-stream-data': {
        if (this.cancelled) return;
        for (const data of message.chunks) {
          const chunk = new Uint8Array(data);
          this.flow.receivedBytes += chunk.length;
          this.flow.queuedBytes += chunk.length;
          this.queue.push(chunk);
        }
        this.flow.maxReportedUnacked = Math.max(this.flow.maxReportedUnacked, message.unacked);
        this.deliver();
        break;
      }
      case 'device-stream-written':
        this.writes.shift()?.resolve();
        break;
      case 'device-end':
        this.flow.worker = message.counters;
        this.close(message.end);
        break;
    }
  }

  /** @internal Ends it with `end`: at once when forced, else after the output queued before it. */
  close(end: DeviceServiceEnd): void {
    if (this.finalEnd) return;
    // The worker's socket is gone: no write waiting gets through, whatever output is still queued.
    this.failWrites(end);
    if (FORCED.has(end.reason) || this.cancelled) {
      this.dropQueue();
    }
    this.pendingEnd ??= end;
    this.deliver();
  }

  private deliver(): void {
    if (this.delivering) return; // a listener resumed or paused: the loop below goes on
    this.delivering = true;
    let taken = 0;
    try {
      while (!this.paused && this.queue.length > 0) {
        const chunk = this.queue.shift()!;
        this.flow.queuedBytes -= chunk.length;
        this.dataEmitter.fire(chunk);
        this.flow.deliveredBytes += chunk.length;
        taken += chunk.length;
      }
    } finally {
      this.delivering = false;
      // One acknowledgement for what this turn delivered.
      if (taken > 0 && !this.pendingEnd && !this.cancelled) {
        this.post({ type: 'device-stream-ack', id: this.id, bytes: taken });
      }
    }
    if (this.pendingEnd && this.queue.length === 0 && !this.finalEnd) {
      this.finalEnd = this.pendingEnd;
      this.resolveOpened(false);
      this.resolveEnded(this.finalEnd);
      this.endEmitter.fire(this.finalEnd);
      this.dataEmitter.dispose();
      this.endEmitter.dispose();
    }
  }

  private failWrites(end: DeviceServiceEnd): void {
    for (const write of this.writes.splice(0)) write.reject(new DeviceStreamWriteError(end));
  }

  private dropQueue(): void {
    this.queue.length = 0;
    this.flow.queuedBytes = 0;
  }
}

/** The host's client of one worker's device services: ids, replies, and the ends the worker could not send. */
export class DeviceServiceClient {
  private nextId = 0;
  private readonly requests = new Map<number, (result: DeviceRequestResult) => void>();
  private readonly streams = new Map<number, DeviceStream>();
  /** Set once the worker is gone: every later job ends with it at once. */
  private gone?: DeviceServiceEnd;

  constructor(private readonly post: Post) {}

  /** Requests and streams not yet ended. */
  get size(): number {
    return this.requests.size + this.streams.size;
  }

  /** A device service's whole output (see DeviceRequestOptions); never rejects. */
  request(target: DeviceServiceTarget, service: string, options: DeviceRequestOptions = {}): Promise<DeviceRequestResult> {
    if (this.gone) return Promise.resolve({ ok: false, end: this.gone });
    if (options.signal?.aborted) return Promise.resolve({ ok: false, end: { reason: 'cancelled', message: 'cancelled' } });
    const id = ++this.nextId;
    return new Promise<DeviceRequestResult>((resolve) => {
      const onAbort = () => this.post({ type: 'device-cancel', id });
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.requests.set(id, (result) => {
        options.signal?.removeEventListener('abort', onAbort);
        resolve(result);
      });
      this.post({ type: 'device-request', id, target, service, maxBytes: options.maxBytes ?? REQUEST_MAX_BYTES.default, timeoutMs: options.timeoutMs });
    });
  }

  /** Opens a device service as a stream (see DeviceStream); it may end at once (not opened). */
  openStream(target: DeviceServiceTarget, service: string, options: DeviceStreamOptions = {}): DeviceStream {
    if (this.gone) return DeviceStream.endedAt(this.gone);
    const id = ++this.nextId;
    const windowBytes = options.windowBytes ?? STREAM_WINDOW_BYTES.default;
    const stream = new DeviceStream(id, windowBytes, this.post);
    this.streams.set(id, stream);
    void stream.ended.then(() => this.streams.delete(id));
    this.post({ type: 'device-stream-open', id, target, service, windowBytes, timeoutMs: options.timeoutMs });
    return stream;
  }

  onMessage(message: DeviceServiceWorkerMessage): void {
    if (message.type === 'device-request-result' || (message.type === 'device-end' && this.requests.has(message.id))) {
      const settle = this.requests.get(message.id);
      this.requests.delete(message.id);
      settle?.(message.type === 'device-request-result' ? { ok: true, data: new Uint8Array(message.data) } : { ok: false, end: message.end });
      return;
    }
    this.streams.get(message.id)?.onMessage(message);
  }

  /** The worker exited: everything still open ends with `end` (it could not say so itself). */
  endAll(end: DeviceServiceEnd): void {
    this.gone = end;
    for (const settle of [...this.requests.values()]) settle({ ok: false, end });
    this.requests.clear();
    for (const stream of [...this.streams.values()]) stream.close(end);
  }
}
