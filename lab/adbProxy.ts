// A NAMED FAKE in front of a real adb server: a loopback TCP proxy that passes every byte through,
// except that it can hold the replies to chosen services (a slow or wedged server, on the real
// server's real answers). Per connection it reads the first request (4-hex length + service) and
// asks `plan` what to do with the reply:
//   'pass'       every byte both ways, as they come;
//   'hold'       the request goes to adb, its reply is kept back until the connection closes;
//   'okay-only'  adb's OKAY goes through at once, the rest is kept back until release();
//   { answer }   the request never reaches adb: `answer` gets the client's socket and replies itself
//                (a fake of services the real server lacks, e.g. pairingAdbServer.ts).
// It listens on 127.0.0.1 unless told another name of this machine (its host name, which resolves
// to loopback but stands for an adb server on another machine, or forwarded from one), and ends with close(),
// which also closes connections being answered.

import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { formatHostPort } from '../src/core/address';
import { listenOnFreePort, LOOPBACK } from './ports';

export type ReplyPlan = 'pass' | 'hold' | 'okay-only' | { answer: (client: net.Socket, service: string) => void };

export class AdbProxy extends EventEmitter {
  /** Decides, per connection, what happens to the reply to its first request. */
  plan: (service: string) => ReplyPlan = () => 'pass';
  /** First request of every connection, in order. */
  readonly requests: string[] = [];
  private readonly sockets = new Set<net.Socket>();
  private readonly releases = new Set<() => void>();
  private closing?: Promise<void>;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    private readonly upstreamPort: number,
    private readonly host: string,
  ) {
    super();
  }

  get address(): string {
    return formatHostPort({ host: this.host, port: this.port });
  }

  /** Proxies host:(a free port), 127.0.0.1 by default, to the adb server on 127.0.0.1:upstreamPort. */
  static async start(upstreamPort: number, host = LOOPBACK): Promise<AdbProxy> {
    const server = net.createServer();
    const port = await listenOnFreePort(server, host);
    const proxy = new AdbProxy(server, port, upstreamPort, host);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  /** Resolves once `count` requests for `service` have arrived in all; rejects after `timeoutMs`. */
  requestCount(service: string, count: number, timeoutMs: number): Promise<void> {
    const ready = () => this.requests.filter((r) => r === service).length >= count;
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (ready()) {
          clearTimeout(timer);
          this.off('request', check);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        this.off('request', check);
        reject(new Error(`proxy: fewer than ${count} ${service} within ${timeoutMs} ms (${this.requests.join(', ')})`));
      }, timeoutMs);
      this.on('request', check);
    });
  }

  /** Lets every reply kept back by 'okay-only' through, and everything after it. */
  release(): void {
    for (const release of [...this.releases]) release();
  }

  /** Connections open right now, both sides counted once (the client side). */
  openConnections(): number {
    return [...this.sockets].filter((socket) => socket.remotePort !== this.upstreamPort).length;
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }

  private accept(client: net.Socket): void {
    this.track(client);
    let head = Buffer.alloc(0);
    const onFirst = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      if (head.length < 4) return;
      const length = parseInt(head.subarray(0, 4).toString('latin1'), 16);
      if (!Number.isInteger(length) || head.length < 4 + length) return;
      client.off('data', onFirst);
      const service = head.subarray(4, 4 + length).toString('utf8');
      const plan = this.plan(service);
      if (typeof plan === 'object') plan.answer(client, service);
      else this.connectUpstream(client, head, service, plan);
      this.requests.push(service);
      this.emit('request', service);
    };
    client.on('data', onFirst);
  }

  private connectUpstream(client: net.Socket, head: Buffer, service: string, plan: Exclude<ReplyPlan, object>): void {
    const upstream = net.connect({ host: '127.0.0.1', port: this.upstreamPort });
    this.track(upstream);
    upstream.write(head);
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      // A reply kept back is never delivered: the client sees the connection end without it.
      if (plan === 'pass' || released) client.end();
    });
    let released = plan === 'pass';
    let okaySent = plan !== 'okay-only';
    let kept = Buffer.alloc(0);
    const release = () => {
      released = true;
      this.releases.delete(release);
      if (kept.length > 0 && !client.destroyed) client.write(kept);
      kept = Buffer.alloc(0);
      if (upstream.destroyed) client.end();
    };
    if (plan === 'okay-only') this.releases.add(release);
    upstream.on('data', (chunk: Buffer) => {
      if (released) {
        client.write(chunk);
        return;
      }
      kept = Buffer.concat([kept, chunk]);
      if (!okaySent && kept.length >= 4) {
        okaySent = true;
        client.write(kept.subarray(0, 4));
        kept = kept.subarray(4);
        this.emit('okay', service);
      }
    });
  }
}
