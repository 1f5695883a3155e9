// A bare `host:track-devices` socket: the fastest anyone can learn about a change from the adb
// server's push stream. The benchmarks' baseline, and the tests' way to wait for adb itself.

import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { waitUntil } from './wait';

export class RawTracker extends EventEmitter {
  readonly states = new Map<string, string>();
  private buffer = Buffer.alloc(0);
  private okay = false;

  private constructor(private readonly socket: net.Socket) {
    super();
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawTracker> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        const service = 'host:track-devices';
        socket.write(service.length.toString(16).padStart(4, '0') + service);
        const tracker = new RawTracker(socket);
        tracker.once('list', () => resolve(tracker));
      });
      socket.once('error', reject);
    });
  }

  /** The time of the first update where the serial has `state` (undefined: not listed); undefined after `timeoutMs`. */
  waitFor(serial: string, state: string | undefined, timeoutMs: number): Promise<number | undefined> {
    return this.waitForList((states) => states.get(serial) === state, timeoutMs);
  }

  /** The time of the first update (or now) where the list satisfies `ready`; undefined after `timeoutMs`. */
  waitForList(ready: (states: ReadonlyMap<string, string>) => boolean, timeoutMs: number): Promise<number | undefined> {
    return waitUntil(() => ready(this.states) && performance.now(), timeoutMs, 'a device list', {
      on: [(listener) => this.onList(listener)],
    }).catch(() => undefined);
  }

  /** Calls `listener` after every list the server sends. */
  onList(listener: () => void): { dispose(): void } {
    this.on('list', listener);
    return { dispose: () => this.off('list', listener) };
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (!this.okay) {
      if (this.buffer.length < 4) return;
      this.okay = this.buffer.subarray(0, 4).toString() === 'OKAY';
      this.buffer = this.buffer.subarray(4);
    }
    while (this.buffer.length >= 4) {
      const length = parseInt(this.buffer.subarray(0, 4).toString(), 16);
      if (this.buffer.length < 4 + length) return;
      const text = this.buffer.subarray(4, 4 + length).toString();
      this.buffer = this.buffer.subarray(4 + length);
      this.states.clear();
      for (const line of text.split('\n')) {
        const [serial, state] = line.split('\t');
        if (serial && state) this.states.set(serial, state);
      }
      this.emit('list');
    }
  }
}
