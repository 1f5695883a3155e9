// The worker's device services: one device service (`shell:`, `exec:`, `sync:`) on one transport
// of one adb server, run as a request (its whole output, bounded, under one deadline that covers
// connect and the reply, cancellable) or opened as a stream (its output as it comes, paused and
// resumed by its reader). Any code in the worker may use them: the host's jobs (deviceJobs.ts)
// and a capability's own worker-side part alike. Each job has an AdbServerClient of its own (no
// connection until used), so ending one job is closing that client: its socket and its deadline
// timer go at once.
//
// The service string is data from the caller: it goes to adb as protocol data, never through a
// shell here, but adbd hands a `shell:` command line to the device's shell. So a caller builds it
// from constants and arguments it validated (`exec:` with such arguments where it can), never from
// device data or settings.
//
// Every job ends exactly once, with a reason (deviceServiceProtocol.ts): `closed` (the device ended
// it), `cancelled`, `device-gone` (adb dropped the transport, which closes its services: the socket
// looks the same as a natural end, so adb is asked when a service ends), `paused` and `stopped`
// (endAll: every socket is destroyed before it returns), `timeout`, `too-large`, `failed`.

import * as net from 'node:net';
import { parseServerAddress } from '../address';
import { AdbError, describeAdbError, isDeadlineError } from './adbErrors';
import { AdbServerClient, SHELL_DEADLINE_FACTOR } from './adbServerClient';
import { DEVICE_SERVICE_TIMEOUT_MS, DeviceServiceEnd, DeviceServiceTarget, REQUEST_MAX_BYTES } from '../../poller/deviceServiceProtocol';
import { OUTPUT_TOO_LARGE } from './socketReader';

/** The device services a caller may open (host services are not device services). */
export const DEVICE_SERVICE_PREFIXES = ['shell:', 'shell,', 'exec:', 'sync:'] as const;
/** adb's smallest payload (MAX_PAYLOAD_V1): older devices refuse an OPEN with a longer service. */
const MAX_SERVICE_BYTES = 4096;
const TRANSPORT_ID = /^\d{1,10}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A job that ended before it could give what it was asked for; `end` says why. */
export class DeviceServiceError extends Error {
  constructor(readonly end: DeviceServiceEnd) {
    super(end.message);
  }
}

export interface DeviceServicesConfig {
  adbPath: string;
  /** Per-request deadline of the worker's config: checks after a service ends get it; services get 3 by default. */
  requestTimeoutMs: number;
}

export interface DeviceRequestOptions {
  /** Output past this many bytes is refused (`too-large`); by default REQUEST_MAX_BYTES.default. */
  maxBytes?: number;
  /** One deadline for connect and the whole reply; by default 3 request timeouts. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface DeviceStreamOptions {
  /** Until the device accepted the service; by default 3 request timeouts. A stream has none after. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** What reads an open service: its output as it comes, then its end, exactly once. */
export interface DeviceStreamReader {
  data(chunk: Buffer): void;
  end(end: DeviceServiceEnd): void;
}

interface Job {
  end(end: DeviceServiceEnd): void;
}

interface Prepared {
  client: AdbServerClient;
  timeoutMs: number;
  /** For messages: the service as the caller named it (shortened) and the device. */
  label: string;
}

export class DeviceServices {
  private readonly jobs = new Set<Job>();
  /** Set by endAll: every new job fails at once with it, until accept(). */
  private refusing?: DeviceServiceEnd;

  constructor(private readonly config: DeviceServicesConfig) {}

  /** Jobs in flight (requests and open streams). */
  get size(): number {
    return this.jobs.size;
  }

  /**
   * The service's whole output, once the device closed it. Rejects with a DeviceServiceError:
   * past the deadline, past `maxBytes`, when cancelled, when adb refuses, and when the device left
   * during the reply (a cut output never passes for a whole one).
   */
  async request(target: DeviceServiceTarget, service: string, options: DeviceRequestOptions = {}): Promise<Buffer> {
    const { client, timeoutMs, label } = this.prepare(target, service, options.timeoutMs);
    const maxBytes = options.maxBytes ?? REQUEST_MAX_BYTES.default;
    if (!Number.isInteger(maxBytes) || maxBytes < 0 || maxBytes > REQUEST_MAX_BYTES.max) {
      throw failed(`${label}: the output bound must be a whole number of bytes up to ${REQUEST_MAX_BYTES.max} (stream larger output)`);
    }
    let ended: DeviceServiceEnd | undefined;
    const release = this.register(
      {
        end: (end) => {
          ended ??= end;
          client.closeAll();
        },
      },
      options.signal,
    );
    const started = performance.now();
    try {
      const output = await client.deviceRequest(target.serial, target.transportId, service, timeoutMs, maxBytes);
      // The check gets what is left of the deadline, but at least one request timeout: an output
      // that came in time is not lost to a slow check.
      const left = timeoutMs - (performance.now() - started);
      const refusal = await client.transportRefusal(target.serial, target.transportId, Math.max(left, this.config.requestTimeoutMs));
      if (refusal !== undefined) {
        throw new DeviceServiceError(deviceGone(target, label, refusal));
      }
      return output;
    } catch (error) {
      throw new DeviceServiceError(ended ?? this.endOf(error, target, label, timeoutMs));
    } finally {
      release();
      client.closeAll();
    }
  }

  /**
   * Opens the service; resolves once the device accepted it (within the deadline), with the
   * stream PAUSED: its output goes to `reader` from its first resume(). Rejects with a
   * DeviceServiceError when it could not be opened (then `reader` hears nothing); once open,
   * `reader.end` is called exactly once.
   */
  async open(target: DeviceServiceTarget, service: string, reader: DeviceStreamReader, options: DeviceStreamOptions = {}): Promise<DeviceServiceStream> {
    const { client, timeoutMs, label } = this.prepare(target, service, options.timeoutMs);
    let ended: DeviceServiceEnd | undefined;
    let stream: DeviceServiceStream | undefined;
    const release = this.register(
      {
        end: (end) => {
          if (stream) {
            stream.finish(end);
          } else {
            ended ??= end;
            client.closeAll();
          }
        },
      },
      options.signal,
    );
    try {
      const { socket, head } = await client.openDeviceStream(target.serial, target.transportId, service, timeoutMs);
      if (ended) {
        throw new DeviceServiceError(ended); // ended as it opened
      }
      stream = new DeviceServiceStream(socket, head, reader, (error) => this.endAfterClose(client, target, label, error), () => {
        release();
        client.closeAll();
      });
      return stream;
    } catch (error) {
      release();
      client.closeAll();
      throw new DeviceServiceError(ended ?? this.endOf(error, target, label, timeoutMs));
    }
  }

  /**
   * Ends every job with `reason` (the watcher pauses or stops), synchronously: every socket and
   * timer of theirs is gone when it returns, and every open stream's reader has heard its end.
   * New jobs fail with the same reason until accept().
   */
  endAll(reason: 'paused' | 'stopped'): void {
    const end: DeviceServiceEnd = { reason, message: `the device watcher ${reason}` };
    this.refusing = end;
    for (const job of [...this.jobs]) {
      job.end(end);
    }
  }

  /** New jobs are taken again (the watcher resumed). */
  accept(): void {
    this.refusing = undefined;
  }

  private register(job: Job, signal: AbortSignal | undefined): () => void {
    const onAbort = () => job.end({ reason: 'cancelled', message: 'cancelled' });
    this.jobs.add(job);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    return () => {
      this.jobs.delete(job);
      signal?.removeEventListener('abort', onAbort);
    };
  }

  /** Checks what the caller gave; a client of the job's own. Throws a DeviceServiceError. */
  private prepare(target: DeviceServiceTarget, service: string, timeoutMs: number | undefined): Prepared {
    if (this.refusing) {
      throw new DeviceServiceError(this.refusing);
    }
    const problem = targetProblem(target) ?? serviceProblem(service);
    if (problem) {
      throw failed(problem);
    }
    const deadline = timeoutMs ?? this.config.requestTimeoutMs * SHELL_DEADLINE_FACTOR;
    if (!Number.isFinite(deadline) || deadline < DEVICE_SERVICE_TIMEOUT_MS.min || deadline > DEVICE_SERVICE_TIMEOUT_MS.max) {
      throw failed(`a device service deadline must be ${DEVICE_SERVICE_TIMEOUT_MS.min}-${DEVICE_SERVICE_TIMEOUT_MS.max} ms (got ${timeoutMs})`);
    }
    const endpoint = parseServerAddress(target.server)!;
    return {
      client: new AdbServerClient(target.server, endpoint, this.config.adbPath, this.config.requestTimeoutMs),
      timeoutMs: deadline,
      label: `${service.length > 60 ? `${service.slice(0, 57)}...` : service} on ${target.serial}`,
    };
  }

  /** After a service's socket closed, not by us: the device ended it, or adb dropped the device, or the connection failed. */
  private async endAfterClose(client: AdbServerClient, target: DeviceServiceTarget, label: string, error: Error | undefined): Promise<DeviceServiceEnd> {
    const deadlineMs = this.config.requestTimeoutMs;
    try {
      const refusal = await client.transportRefusal(target.serial, target.transportId, deadlineMs);
      if (refusal !== undefined) return deviceGone(target, label, refusal);
      return error ? this.endOf(error, target, label, deadlineMs) : { reason: 'closed', message: `${label}: the device ended it` };
    } catch (checkError) {
      return this.endOf(error ?? checkError, target, label, deadlineMs);
    }
  }

  private endOf(error: unknown, target: DeviceServiceTarget, label: string, timeoutMs: number): DeviceServiceEnd {
    if (error instanceof DeviceServiceError) {
      return error.end;
    }
    const message = `${label}: ${describeAdbError(error, target.server, this.config.adbPath, timeoutMs)}`;
    if (isDeadlineError(error)) return { reason: 'timeout', message };
    if (error instanceof AdbError && error.code === OUTPUT_TOO_LARGE) return { reason: 'too-large', message };
    return { reason: 'failed', message };
  }
}

/**
 * One open device service, for worker-side code: paused until resume(), its output to its reader
 * as it comes, its end once. pause() stops reading the socket (TCP then holds the adb server,
 * which holds the device: nothing grows), close() cancels it.
 */
export class DeviceServiceStream {
  private paused = true;
  private head?: Buffer;
  private finished = false;
  private finalEnd?: DeviceServiceEnd;
  private inputEnded = false;
  private socketError?: Error;

  constructor(
    private readonly socket: net.Socket,
    head: Buffer,
    private readonly reader: DeviceStreamReader,
    private readonly endAfterClose: (error: Error | undefined) => Promise<DeviceServiceEnd>,
    private readonly release: () => void,
  ) {
    this.head = head.length > 0 ? head : undefined;
    socket.on('data', (chunk: Buffer) => {
      if (!this.finished) this.reader.data(chunk);
    });
    socket.on('error', (error) => (this.socketError ??= error));
    // With adb's services read to their end ('close' comes after the last 'data'), or cut.
    socket.once('close', () => {
      if (!this.finished) void this.endAfterClose(this.socketError).then((end) => this.finish(end));
    });
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** The output flows to the reader (the bytes that came with the device's OKAY first). */
  resume(): void {
    if (this.finished || !this.paused) return;
    this.paused = false;
    const head = this.head;
    this.head = undefined;
    if (head) this.reader.data(head);
    if (!this.paused && !this.finished) this.socket.resume();
  }

  /** No more output until resume(); the socket is no longer read, so adb and the device wait. */
  pause(): void {
    if (this.finished || this.paused) return;
    this.paused = true;
    this.socket.pause();
  }

  /**
   * Writes `data` to the service (stdin, a `sync:` request); resolves once the socket has taken
   * it (handed to the kernel), so a writer awaiting each write holds one chunk at a time. Rejects
   * with a DeviceServiceError: with the stream's end when it ended first (pending writes too), or
   * `failed` after endInput().
   */
  write(data: Uint8Array): Promise<void> {
    if (this.finished) return Promise.reject(new DeviceServiceError(this.finalEnd!));
    if (this.inputEnded) return Promise.reject(new DeviceServiceError({ reason: 'failed', message: "the stream's input has ended" }));
    return new Promise<void>((resolve, reject) => {
      this.socket.write(data, (error) => {
        // A write the socket dropped as it was destroyed: the stream ended, and that is the reason.
        if (error) reject(new DeviceServiceError(this.finalEnd ?? { reason: 'failed', message: error.message }));
        else resolve();
      });
    });
  }

  /**
   * No more input. The socket's write side is half-closed after what was written; adb has no
   * half-close for a raw stream, so the adb server closes the whole service (the device sees
   * CLSE): output the device had not yet sent may be lost. Read what you need before ending input.
   */
  endInput(): void {
    if (this.finished || this.inputEnded) return;
    this.inputEnded = true;
    this.socket.end();
  }

  /** Cancels the service (the reader hears `cancelled`). */
  close(): void {
    this.finish({ reason: 'cancelled', message: 'cancelled' });
  }

  /** Ends it now with `end` (once): its socket is destroyed and the reader told. */
  finish(end: DeviceServiceEnd): void {
    if (this.finished) return;
    this.finished = true;
    this.finalEnd = end;
    this.head = undefined;
    this.socket.destroy();
    this.release();
    this.reader.end(end);
  }
}

function failed(message: string): DeviceServiceError {
  return new DeviceServiceError({ reason: 'failed', message });
}

function deviceGone(target: DeviceServiceTarget, label: string, refusal: string): DeviceServiceEnd {
  return { reason: 'device-gone', message: `${label}: the device left ${target.server} (adb: ${refusal})` };
}

function targetProblem(target: DeviceServiceTarget): string | undefined {
  if (typeof target?.server !== 'string' || !parseServerAddress(target.server)) {
    return `not an adb server address: ${JSON.stringify(target?.server)}`;
  }
  if (typeof target.serial !== 'string' || target.serial.length === 0 || target.serial.length > 255 || CONTROL.test(target.serial)) {
    return `not a device serial: ${JSON.stringify(target.serial)}`;
  }
  if (target.transportId !== undefined && (typeof target.transportId !== 'string' || !TRANSPORT_ID.test(target.transportId))) {
    return `not a transport id: ${JSON.stringify(target.transportId)}`;
  }
  return undefined;
}

function serviceProblem(service: string): string | undefined {
  if (typeof service !== 'string' || !DEVICE_SERVICE_PREFIXES.some((prefix) => service.startsWith(prefix))) {
    return `not a device service (${DEVICE_SERVICE_PREFIXES.join(' ')}): ${JSON.stringify(String(service).slice(0, 40))}`;
  }
  if (service.includes('\0')) {
    return 'a device service cannot contain a NUL character';
  }
  if (Buffer.byteLength(service, 'utf8') > MAX_SERVICE_BYTES) {
    return `a device service is at most ${MAX_SERVICE_BYTES} bytes`;
  }
  return undefined;
}
