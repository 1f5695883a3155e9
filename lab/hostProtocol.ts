// The adb host protocol as a client speaks it: `XXXXservice`, then OKAY or FAIL and a reply, over
// one TCP connection per request, each under one deadline that covers connect and the whole reply.

import * as net from 'node:net';
import { LOOPBACK } from './ports';

export const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;

export interface HostRequestOptions {
  host?: string;
  timeoutMs?: number;
}

/** One TCP conversation with an adb server, read as a byte stream with awaitable reads. */
class HostConnection {
  private buffered: Buffer = Buffer.alloc(0);
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly socket: net.Socket,
    readonly label: string,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.notify();
    });
    socket.on('end', () => this.finish());
    socket.on('close', () => this.finish());
    socket.on('error', (error) => this.fail(new Error(`adb server ${label}: ${error.message}`)));
  }

  fail(error: Error): void {
    this.failure ??= error;
    this.socket.destroy();
    this.notify();
  }

  destroy(): void {
    this.socket.destroy();
  }

  send(request: string): void {
    const body = Buffer.from(request, 'utf8');
    this.socket.write(Buffer.concat([Buffer.from(body.length.toString(16).padStart(4, '0'), 'latin1'), body]));
  }

  /** Reads OKAY, or turns FAIL and its message into an error. */
  async expectOkay(request: string): Promise<void> {
    const status = (await this.read(4)).toString('latin1');
    if (status === 'OKAY') return;
    if (status === 'FAIL') throw new Error(`adb server ${this.label}: ${request} failed: ${await this.readReply()}`);
    const seen = status.length === 0 ? 'the connection closed' : `unexpected reply ${JSON.stringify(status)}`;
    throw new Error(`adb server ${this.label}: ${seen} to ${request}`);
  }

  /** A length-prefixed reply (most services), or everything until close (e.g. `host:kill`). */
  async readReply(): Promise<string> {
    const prefix = await this.read(4);
    if (prefix.length === 4 && /^[0-9a-fA-F]{4}$/.test(prefix.toString('latin1'))) {
      return (await this.read(parseInt(prefix.toString('latin1'), 16))).toString('utf8');
    }
    return Buffer.concat([prefix, await this.readToEnd()]).toString('utf8');
  }

  async readToEnd(): Promise<Buffer> {
    await this.until(() => this.ended);
    return this.take(this.buffered.length);
  }

  /** `length` bytes, or fewer when the server closes first. */
  private async read(length: number): Promise<Buffer> {
    await this.until(() => this.ended || this.buffered.length >= length);
    return this.take(Math.min(length, this.buffered.length));
  }

  private take(length: number): Buffer {
    const taken = this.buffered.subarray(0, length);
    this.buffered = this.buffered.subarray(length);
    return taken;
  }

  private async until(ready: () => boolean): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (ready()) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private finish(): void {
    this.ended = true;
    this.notify();
  }
}

/** Opens a connection, runs one conversation on it under a deadline, and always closes it. */
async function converse<T>(
  port: number,
  options: HostRequestOptions,
  topic: string,
  conversation: (connection: HostConnection) => Promise<T>,
): Promise<T> {
  const { host = LOOPBACK, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS } = options;
  const connection = new HostConnection(net.connect({ host, port }), `${host}:${port}`);
  const timer = setTimeout(
    () => connection.fail(new Error(`adb server ${host}:${port}: no answer to ${topic} after ${timeoutMs} ms`)),
    timeoutMs,
  );
  try {
    return await conversation(connection);
  } finally {
    clearTimeout(timer);
    connection.destroy();
  }
}

/** One host-protocol request: `XXXXservice`, OKAY or FAIL, then the reply. */
export function adbHostRequest(port: number, service: string, options: HostRequestOptions = {}): Promise<string> {
  return converse(port, options, service, async (connection) => {
    connection.send(service);
    await connection.expectOkay(service);
    return connection.readReply();
  });
}

/** A raw (non-v2) shell command as adbkit runs it: `host:transport:SERIAL`, `shell:CMD`, output until close. */
export function adbRawShell(port: number, serial: string, command: string, options: HostRequestOptions = {}): Promise<string> {
  return converse(port, options, `shell:${command} on ${serial}`, async (connection) => {
    const transport = `host:transport:${serial}`;
    connection.send(transport);
    await connection.expectOkay(transport);
    const shell = `shell:${command}`;
    connection.send(shell);
    await connection.expectOkay(shell);
    return (await connection.readToEnd()).toString('utf8');
  });
}
