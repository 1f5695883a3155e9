// Starts the simulated device lab (lab/cli.ts) in its own process with a private adb server,
// for the demo and the terminal watcher. Ctrl-C-safe: stopLab() disconnects and stops it all.

import { ChildProcess, fork } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';

const LAB_CLI = path.resolve(__dirname, '..', 'lab', 'cli.js');

export interface RunningLab {
  /** The private adb server's port. */
  port: number;
  stop(): Promise<void>;
}

/** True when an adb server answers on the port and lists at least one device. */
export function adbServerWithDevices(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write('000chost:devices'));
    let reply = '';
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('data', (chunk) => (reply += chunk.toString()));
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(/^OKAY[0-9a-f]{4}\S+/.test(reply)));
  });
}

export function startLab(args: string[], onLine: (line: string) => void = () => undefined): Promise<RunningLab> {
  const lab: ChildProcess = fork(LAB_CLI, args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => lab.once('exit', () => resolve()));
  const stop = async () => {
    if (lab.exitCode === null && lab.signalCode === null) lab.kill('SIGINT');
    await exited;
  };
  return new Promise((resolve, reject) => {
    lab.once('exit', (code) => reject(new Error(`the simulated lab exited (code ${code})`)));
    let buffered = '';
    lab.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        onLine(line);
        const match = /ANDROID_ADB_SERVER_PORT=(\d+)/.exec(line);
        if (match) resolve({ port: Number(match[1]), stop });
      }
    });
  });
}
