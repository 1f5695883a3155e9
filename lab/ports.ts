// Loopback ports for the lab: a free one to start a server on, and whether one already answers.

import { promises as dns } from 'node:dns';
import * as net from 'node:net';
import * as os from 'node:os';

export const LOOPBACK = '127.0.0.1';

/** The serial adb gives a TCP device it connected to on this machine. */
export function tcpSerial(devicePort: number): string {
  return `${LOOPBACK}:${devicePort}`;
}

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host: LOOPBACK }, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on the port. */
export function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: LOOPBACK, port });
    const settle = (answers: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answers);
    };
    // A connect on loopback is refused at once; only a wedged machine would reach this.
    const timer = setTimeout(() => settle(true), 2_000);
    socket.once('connect', () => settle(true));
    socket.once('error', () => settle(false));
  });
}

/**
 * A name of this machine that resolves to loopback only (its host name, from /etc/hosts), or
 * undefined. A server reached by it stands for one on another machine: the watcher does not
 * resolve names, so only `localhost` and loopback literals count as this machine, while every
 * packet stays on the loopback interface.
 */
export async function anotherMachineStandIn(): Promise<string | undefined> {
  const name = os.hostname();
  if (!name || name.toLowerCase() === 'localhost' || net.isIP(name) !== 0) return undefined;
  try {
    const addresses = await dns.lookup(name, { all: true });
    return addresses.length > 0 && addresses.every(({ address }) => address.startsWith('127.') || address === '::1') ? name : undefined;
  } catch {
    return undefined;
  }
}

/** Listens on a free loopback port; resolves with it. */
export function listenOnLoopback(server: net.Server): Promise<number> {
  return listenOnFreePort(server, LOOPBACK);
}

/** Listens on a free port of `host`, an address of this machine; resolves with it. */
export async function listenOnFreePort(server: net.Server, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as net.AddressInfo).port;
}
