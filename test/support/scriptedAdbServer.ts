// A NAMED FAKE adb server for fast in-process tests: it speaks the host protocol (4-hex length +
// service; OKAY + 4-hex length-prefixed value) on 127.0.0.1 and answers exactly as each test scripts
// it, step by step: a push stream is handed to the test to answer (OKAY, lists, close), and every
// other request gets the reply the test's `answer` function returns, or is held unanswered.
// Not a substitute for a real adb server (test/adb/ uses one): it exists to put the client's steps
// in an order and at a pace a test decides.

import { EventEmitter } from 'node:events';
import * as net from 'node:net';

/** How a request other than the push stream is answered. */
export type ScriptedReply =
  /** OKAY, then this text as a length-prefixed value, then close (as adb answers host services). */
  | { value: string }
  /** FAIL with this message. */
  | { fail: string }
  /** Accept the request and never answer (the connection stays open until the client closes it). */
  | { hold: true };

/** A `host:track-devices-l` connection, answered by the test. */
export interface ScriptedStream {
  okay(): void;
  /** One list, length-prefixed, as adb pushes it. */
  list(text: string): void;
  /** Closes the connection from the server's side. */
  close(): void;
  readonly closed: Promise<void>;
}

export interface ScriptedAdbServer {
  port: number;
  address: string;
  /** Every service requested so far, in order. */
  readonly requests: string[];
  /** Replies to every request but the push stream; by default an empty device list. */
  answer: (service: string) => ScriptedReply;
  /** Resolves with the next push stream a client opens. */
  nextStream(timeoutMs?: number): Promise<ScriptedStream>;
  /** Resolves once `count` requests for `service` have arrived in all (counted since start). */
  requestCount(service: string, count: number, timeoutMs?: number): Promise<void>;
  /** Connections open right now. */
  openConnections(): number;
  /** Stops listening and destroys every connection. Idempotent. */
  close(): Promise<void>;
}

const hex4 = (length: number) => length.toString(16).padStart(4, '0');

export async function startScriptedAdbServer(): Promise<ScriptedAdbServer> {
  const events = new EventEmitter();
  const sockets = new Set<net.Socket>();
  const requests: string[] = [];
  const waitingStreams: ScriptedStream[] = [];

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4) {
        const length = parseInt(buffered.subarray(0, 4).toString('latin1'), 16);
        if (!Number.isInteger(length) || buffered.length < 4 + length) return;
        const service = buffered.subarray(4, 4 + length).toString('utf8');
        buffered = buffered.subarray(4 + length);
        requests.push(service);
        respond(socket, service);
        events.emit('request', service);
      }
    });
  });

  const respond = (socket: net.Socket, service: string): void => {
    if (service === 'host:track-devices-l') {
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      const stream: ScriptedStream = {
        okay: () => void socket.write('OKAY'),
        list: (text) => {
          const body = Buffer.from(text, 'utf8');
          socket.write(Buffer.concat([Buffer.from(hex4(body.length), 'latin1'), body]));
        },
        close: () => void socket.end(),
        closed,
      };
      waitingStreams.push(stream);
      events.emit('stream');
      return;
    }
    const reply = scripted.answer(service);
    if ('hold' in reply) return;
    if ('fail' in reply) {
      socket.end(`FAIL${hex4(Buffer.byteLength(reply.fail))}${reply.fail}`);
      return;
    }
    const body = Buffer.from(reply.value, 'utf8');
    socket.end(Buffer.concat([Buffer.from(`OKAY${hex4(body.length)}`, 'latin1'), body]));
  };

  /** Resolves when `ready()` holds, re-checked on each `event`; rejects after `timeoutMs`. */
  const when = (event: string, ready: () => boolean, timeoutMs: number, what: string): Promise<void> => {
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (ready()) {
          clearTimeout(timer);
          events.off(event, check);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        events.off(event, check);
        reject(new Error(`scripted adb server: no ${what} within ${timeoutMs} ms (requests: ${requests.join(', ')})`));
      }, timeoutMs);
      events.on(event, check);
    });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  let closing: Promise<void> | undefined;
  const scripted: ScriptedAdbServer = {
    port,
    address: `127.0.0.1:${port}`,
    requests,
    answer: () => ({ value: '' }),
    nextStream: async (timeoutMs = 2000) => {
      await when('stream', () => waitingStreams.length > 0, timeoutMs, 'push stream');
      return waitingStreams.shift()!;
    },
    requestCount: (service, count, timeoutMs = 2000) =>
      when('request', () => requests.filter((r) => r === service).length >= count, timeoutMs, `${count} x ${service}`),
    openConnections: () => sockets.size,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
  return scripted;
}
