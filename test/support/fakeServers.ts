// Named fakes for faults a real adb server will not produce on demand: a port that accepts and
// never answers (a wedged server, a firewall that black-holes), and a port with another service.

import * as http from 'node:http';
import * as net from 'node:net';
import { listenOnLoopback } from '../../lab/ports';

export interface FakeServer {
  port: number;
  /** `127.0.0.1:PORT`, as an adb server address is configured. */
  address: string;
  /** Stops listening and destroys every open socket. Idempotent. */
  close(): Promise<void>;
  /** Connections accepted so far. */
  connectionCount(): number;
}

/** Accepts TCP connections, reads whatever is sent, and never answers. */
export function startSilentServer(): Promise<FakeServer> {
  return serveOnLoopback(net.createServer((socket) => socket.resume()));
}

/** A web server on the port: an adb client gets `HTTP/1.1 400 ...` back instead of OKAY. */
export function startHttpServer(): Promise<FakeServer> {
  return serveOnLoopback(
    http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('not an adb server\n');
    }),
  );
}

async function serveOnLoopback(server: net.Server): Promise<FakeServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  server.on('connection', (socket: net.Socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listenOnLoopback(server);
  let closing: Promise<void> | undefined;
  return {
    port,
    address: `127.0.0.1:${port}`,
    connectionCount: () => accepted,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
