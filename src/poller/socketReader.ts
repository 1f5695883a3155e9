// A socket read as a byte stream with awaitable reads, bounded: what a server sends beyond a whole
// getprop reply plus framing is refused rather than held (Buffers escape the worker's heap cap).

import * as net from 'node:net';
import Parser from '@devicefarmer/adbkit/dist/src/adb/parser';
import { AdbError } from './adbErrors';

/** Real `getprop` output is 20-100 KB; past this the reply is refused (Buffers escape the heap cap). */
export const MAX_SHELL_OUTPUT_BYTES = 1024 * 1024;
/** Unread bytes a connection may hold: a whole getprop reply plus framing; past it the server is refused. */
const MAX_BUFFERED_BYTES = MAX_SHELL_OUTPUT_BYTES + 64 * 1024;

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

  constructor(
    socket: net.Socket,
    private readonly address: string,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.size += chunk.length;
      if (this.size > MAX_BUFFERED_BYTES) {
        this.failure ??= new AdbError(`the adb server at ${this.address} sent more than ${MAX_SHELL_OUTPUT_BYTES} bytes of shell output; refused`);
        socket.destroy();
      }
      this.notify();
    });
    socket.once('end', () => this.finish());
    socket.once('close', () => this.finish());
    socket.on('error', (error) => {
      this.failure ??= error;
      this.notify();
    });
  }

  /** Exactly `length` bytes; PrematureEOFError when the stream ends first. */
  async read(length: number): Promise<Buffer> {
    await this.until(() => this.size >= length, length);
    return this.take(length);
  }

  /** Everything until the server closes the stream (device services). */
  async readToEnd(): Promise<Buffer> {
    await this.until(() => this.ended, 0);
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
