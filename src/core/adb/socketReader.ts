// A socket read as a byte stream with awaitable reads, bounded: what a server sends beyond a whole
// getprop reply (or the output bound a device request set) plus framing is refused rather than
// held (Buffers escape the worker's heap cap).

import * as net from 'node:net';
import Parser from '@devicefarmer/adbkit/dist/src/adb/parser';
import { AdbError } from './adbErrors';

/** Real `getprop` output is 20-100 KB; past this the reply is refused (Buffers escape the heap cap). */
export const MAX_SHELL_OUTPUT_BYTES = 1024 * 1024;
/** The code of the error a reader refuses output past its bound with. */
export const OUTPUT_TOO_LARGE = 'ETOOLARGE';
/** Unread bytes a connection may hold beyond its output bound (framing); past it the server is refused. */
const FRAMING_BYTES = 64 * 1024;

/**
 * A socket read as a byte stream with awaitable reads. A pending read settles in the same turn as
 * the data, end, error or close that decides it (native promises), never later and never not at all.
 */
export class SocketReader {
  private chunks: Buffer[] = [];
  private size = 0;
  private ended = false;
  private failure?: Error;
  private wake?: () => void;
  private maxOutput = MAX_SHELL_OUTPUT_BYTES;
  private outputName = 'shell output';
  private readonly onData = (chunk: Buffer): void => {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size > this.maxOutput + FRAMING_BYTES) {
      this.failure ??= this.tooMuch();
      this.socket.destroy();
    }
    this.notify();
  };
  private readonly onEnd = (): void => this.finish();
  private readonly onError = (error: Error): void => {
    this.failure ??= error;
    this.notify();
  };

  constructor(
    private readonly socket: net.Socket,
    private readonly address: string,
  ) {
    socket.on('data', this.onData);
    socket.once('end', this.onEnd);
    socket.once('close', this.onEnd);
    socket.on('error', this.onError);
  }

  /** Bounds what the server may send from now on to `maxBytes` of output (named `what` in the refusal). */
  limit(maxBytes: number, what: string): void {
    this.maxOutput = maxBytes;
    this.outputName = what;
  }

  /** The refusal of output past the bound. */
  tooMuch(): AdbError {
    return new AdbError(`the adb server at ${this.address} sent more than ${this.maxOutput} bytes of ${this.outputName}; refused`, OUTPUT_TOO_LARGE);
  }

  /**
   * Stops reading and pauses the socket: its data goes to whoever reads it next (a stream), and
   * the bytes already received but not read are handed over.
   */
  detach(): Buffer {
    this.socket.pause();
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
    return this.take(this.size);
  }

  /** Exactly `length` bytes; PrematureEOFError when the stream ends first. */
  async read(length: number): Promise<Buffer> {
    await this.until(() => this.size >= length, length);
    return this.take(length);
  }

  /** Everything until the server closes the stream (device services); refused past the output bound. */
  async readToEnd(): Promise<Buffer> {
    await this.until(() => this.ended, 0);
    if (this.size > this.maxOutput) {
      throw this.tooMuch();
    }
    return this.take(this.size);
  }

  private async until(ready: () => boolean, wanted: number): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (ready()) return;
      if (this.ended) throw new Parser.PrematureEOFError(wanted - this.size);
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private take(length: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const taken = all.subarray(0, length);
    const rest = all.subarray(length);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.size = rest.length;
    return taken;
  }

  private finish(): void {
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
