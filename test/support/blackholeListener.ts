// A loopback port that drops connection attempts, like a host whose firewall drops packets: a
// listener with a backlog of 1 that never accepts (its thread is parked), whose accept queue is
// then filled, so the kernel drops every further SYN and a connect stays pending (the client
// retransmits for ~2 minutes). Real kernel behaviour, on 127.0.0.1 only; nothing leaves the machine.

import * as net from 'node:net';
import { Worker } from 'node:worker_threads';

export interface Blackhole {
  port: number;
  address: string;
  /** Wakes the parked listener, closes it and every filler connection. Idempotent. */
  close(): Promise<void>;
}

const LISTENER = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const parked = new Int32Array(workerData);
const server = net.createServer();
server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  // Parked: this thread's event loop never runs again until woken, so nothing is accepted.
  Atomics.wait(parked, 0, 0);
  server.close();
});
`;

/** Linux keeps backlog + 1 connections in a full accept queue. */
const FILLERS = 2;

export async function startBlackhole(): Promise<Blackhole> {
  const parked = new SharedArrayBuffer(4);
  const worker = new Worker(LISTENER, { eval: true, workerData: parked });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const fillers: net.Socket[] = [];
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const socket of fillers) socket.destroy();
      const flag = new Int32Array(parked);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      await exited;
    })();
    return closing;
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    for (let i = 0; i < FILLERS; i++) {
      const socket = net.connect({ host: '127.0.0.1', port });
      fillers.push(socket);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`filler ${i} of the blackhole's accept queue did not connect`)), 2000);
        socket.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
      socket.on('error', () => undefined);
    }
    return { port, address: `127.0.0.1:${port}`, close };
  } catch (error) {
    await close();
    throw error;
  }
}
