// A NAMED fake adb server for input a real adb server never produces: it speaks the host protocol
// (4-hex length + service; OKAY / FAIL + 4-hex length + payload) for `host:track-devices-l`,
// `host:devices-l`, `host:version` and `host:transport[-id]:X` + `shell:getprop`, and answers with
// whatever a scenario says: hostile device lists, broken length prefixes, replies that never end,
// slow replies, replies cut off halfway. It also counts the connections it holds at each moment.
// Everything it does is on 127.0.0.1, bounded by the scenario, and ends with close().

import * as net from 'node:net';
import { listenOnLoopback } from '../../lab/ports';

/** How a reply's value is framed after OKAY. */
export type Framing =
  /** `XXXX` + payload, as adb does. */
  | 'ok'
  /** `zzzz` + payload: adbkit reads NaN, i.e. an empty value, then the payload as the next reply. */
  | 'non-hex-length'
  /** `-001` + payload: adbkit asks the socket for -1 bytes and never gets them. */
  | 'negative-length'
  /** A length 100 bytes past the payload, then the connection is closed. */
  | 'length-past-end'
  /** Half the payload, then the connection is closed. */
  | 'half-then-close'
  /** `ffff`, then one byte every `trickleMs`, forever: a reply that never ends and never idles. */
  | 'trickle'
  /** A valid value, then more valid values back to back for as long as the socket takes them. */
  | 'flood';

export interface HostileScenario {
  /** The payload of `host:devices-l` and `host:track-devices-l`. */
  devices?: string;
  /** How both list services frame it (default `ok`); `trackFraming` overrides it for the stream. */
  listFraming?: Framing;
  trackFraming?: Framing;
  /** Wait this long before the OKAY of every request (a slow or overloaded server). */
  delayMs?: number;
  /** `shell:getprop` output; `endless` streams getprop lines for as long as the socket takes them. */
  getprop?: string | 'endless';
  /** For `trickle`: the pause between bytes (default 50 ms). */
  trickleMs?: number;
}

export interface HostileServer {
  port: number;
  address: string;
  /** Services requested so far, in order (the last 10,000). */
  readonly requests: string[];
  /** Connections open right now. */
  openConnections(): number;
  /** The most connections open at any one moment since start or the last resetPeak(). */
  peakConnections(): number;
  resetPeak(): void;
  /** Connections accepted so far. */
  connectionCount(): number;
  /** Changes what later requests get (connections already answering keep their scenario). */
  setScenario(scenario: HostileScenario): void;
  /** Stops listening and destroys every socket and timer. Idempotent. */
  close(): Promise<void>;
}

const MAX_REQUEST_LOG = 10_000;

function hex4(length: number): string {
  return length.toString(16).padStart(4, '0');
}

export async function startHostileServer(initial: HostileScenario = {}): Promise<HostileServer> {
  let scenario = initial;
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const requests: string[] = [];
  let accepted = 0;
  let peak = 0;
  let closed = false;

  const later = (ms: number, action: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!closed) action();
    }, ms);
    timers.add(timer);
  };

  /** Writes `chunk` and waits for the socket to drain: a flood never outruns the reader's memory. */
  const pump = (socket: net.Socket, next: () => Buffer | undefined): void => {
    const write = (): void => {
      for (;;) {
        if (closed || socket.destroyed) return;
        const chunk = next();
        if (!chunk) return;
        if (!socket.write(chunk)) {
          socket.once('drain', write);
          return;
        }
      }
    };
    write();
  };

  const sendValue = (socket: net.Socket, payload: string, framing: Framing, keepOpen: boolean): void => {
    const body = Buffer.from(payload, 'utf8');
    switch (framing) {
      case 'ok':
        socket.write(Buffer.concat([Buffer.from(`OKAY${hex4(body.length)}`), body]));
        if (!keepOpen) socket.end();
        return;
      case 'non-hex-length':
        socket.write(Buffer.concat([Buffer.from('OKAYzzzz'), body]));
        if (!keepOpen) socket.end();
        return;
      case 'negative-length':
        socket.write(Buffer.concat([Buffer.from('OKAY-001'), body]));
        if (!keepOpen) socket.end();
        return;
      case 'length-past-end':
        socket.end(Buffer.concat([Buffer.from(`OKAY${hex4(Math.min(0xffff, body.length + 100))}`), body]));
        return;
      case 'half-then-close':
        socket.end(Buffer.concat([Buffer.from(`OKAY${hex4(body.length)}`), body.subarray(0, Math.floor(body.length / 2))]));
        return;
      case 'trickle': {
        socket.write('OKAYffff');
        const drip = (): void => {
          if (socket.destroyed) return;
          socket.write('x');
          later(scenario.trickleMs ?? 50, drip);
        };
        drip();
        return;
      }
      case 'flood': {
        socket.write('OKAY');
        // Alternates between the list and the list without its first line: every value is a change.
        const shorter = Buffer.from(payload.split('\n').slice(1).join('\n'), 'utf8');
        let turn = 0;
        pump(socket, () => {
          const value = turn++ % 2 === 0 ? body : shorter;
          return Buffer.concat([Buffer.from(hex4(value.length)), value]);
        });
        return;
      }
    }
  };

  const answer = (socket: net.Socket, service: string, state: { transport: boolean }): void => {
    if (requests.length >= MAX_REQUEST_LOG) requests.shift();
    requests.push(service);
    const current = scenario;
    const respond = (): void => {
      if (socket.destroyed) return;
      const devices = current.devices ?? '';
      if (service === 'host:track-devices-l') {
        sendValue(socket, devices, current.trackFraming ?? current.listFraming ?? 'ok', true);
      } else if (service === 'host:devices-l') {
        sendValue(socket, devices, current.listFraming ?? 'ok', false);
      } else if (service === 'host:version') {
        socket.end('OKAY00040029');
      } else if (service.startsWith('host:transport:') || service.startsWith('host:transport-id:')) {
        state.transport = true;
        socket.write('OKAY');
      } else if (state.transport && service === 'shell:getprop') {
        socket.write('OKAY');
        if (current.getprop === 'endless') {
          let line = 0;
          pump(socket, () => Buffer.from(`[hostile.prop.${line++}]: [${'x'.repeat(1000)}]\n`));
        } else {
          socket.end(current.getprop ?? '');
        }
      } else {
        const message = `unknown service ${service.slice(0, 100)}`;
        socket.end(`FAIL${hex4(message.length)}${message}`);
      }
    };
    if (current.delayMs) later(current.delayMs, respond);
    else respond();
  };

  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    peak = Math.max(peak, sockets.size);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
    let buffered = Buffer.alloc(0);
    const state = { transport: false };
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4) {
        const length = parseInt(buffered.subarray(0, 4).toString('latin1'), 16);
        if (!Number.isInteger(length) || buffered.length < 4 + length) break;
        const service = buffered.subarray(4, 4 + length).toString('utf8');
        buffered = buffered.subarray(4 + length);
        answer(socket, service, state);
      }
    });
  });
  const port = await listenOnLoopback(server);
  let closing: Promise<void> | undefined;
  return {
    port,
    address: `127.0.0.1:${port}`,
    requests,
    openConnections: () => sockets.size,
    peakConnections: () => peak,
    resetPeak: () => (peak = sockets.size),
    connectionCount: () => accepted,
    setScenario: (next) => (scenario = next),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        closed = true;
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

/** Named fake: answers every request correctly, but only after `delayMs` (an overloaded server). */
export function startSlowServer(delayMs: number, devices = 'emulator-5554\toffline\n'): Promise<HostileServer> {
  return startHostileServer({ devices, delayMs });
}

/** Named fake: sends OKAY and half of a length-prefixed device list, then closes the connection. */
export function startHalfReplyServer(devices = 'emulator-5554\tdevice product:sdk model:Pixel device:emu transport_id:1\n'): Promise<HostileServer> {
  return startHostileServer({ devices, listFraming: 'half-then-close' });
}

/** A device list line as adb prints it: `SERIAL<TAB>STATE key:value ...`. */
export function deviceLine(serial: string, state = 'device', fields: Record<string, string> = {}): string {
  return [`${serial}\t${state}`, ...Object.entries(fields).map(([key, value]) => `${key}:${value}`)].join(' ');
}
