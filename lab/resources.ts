// What this process holds, to prove a test or a soak left nothing behind: its handles by kind,
// and its TCP connections to a port (the adb server cannot be asked how many clients it has).

import { promises as fs } from 'node:fs';

/** Handles of this process by kind (sockets, timers, message ports), to prove nothing is left behind. */
export function activeHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/**
 * Established TCP connections from this process (its worker threads included) to a port, read
 * from the kernel's table: the adb server cannot be asked how many clients it has.
 */
export async function connectionsTo(port: number): Promise<number> {
  const inodes = new Set<string>();
  for (const fd of await fs.readdir('/proc/self/fd')) {
    const link = await fs.readlink(`/proc/self/fd/${fd}`).catch(() => '');
    const match = /^socket:\[(\d+)\]$/.exec(link);
    if (match) {
      inodes.add(match[1]);
    }
  }
  let count = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await fs.readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const remotePort = parseInt(fields[2].split(':')[1], 16);
      const established = fields[3] === '01';
      if (established && remotePort === port && inodes.has(fields[9])) {
        count++;
      }
    }
  }
  return count;
}
