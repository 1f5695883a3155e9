// The poller without VS Code, in a terminal: `npm start` (until the editor demo takes over).
// Watches the adb server on ANDROID_ADB_SERVER_PORT (default 5037) when one answers; otherwise
// starts a private adb server with a small simulated lab. Ctrl-C stops everything it started.

import { ChildProcess, fork } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { DEFAULT_POLLER_CONFIG, Snapshot } from '../src/poller/protocol';
import { PollerSupervisor } from '../src/supervisor/pollerSupervisor';

const WORKER_SCRIPT = path.resolve(__dirname, '..', '..', 'dist', 'worker.js');
const LAB_CLI = path.resolve(__dirname, '..', 'test', 'sim', 'cli.js');

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts the simulated lab in its own process; resolves with its private adb server's port. */
function startLab(): Promise<{ lab: ChildProcess; port: number }> {
  const lab = fork(LAB_CLI, ['--devices', '4', '--unauthorized', '1', '--offline', '1', '--flapping', '1'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    lab.once('exit', (code) => reject(new Error(`the simulated lab exited (code ${code})`)));
    lab.stdout!.on('data', (chunk: Buffer) => {
      const match = /ANDROID_ADB_SERVER_PORT=(\d+)/.exec(chunk.toString());
      if (match) resolve({ lab, port: Number(match[1]) });
    });
  });
}

function render(snapshot: Snapshot): string {
  const lines = snapshot.servers.map((s) => `server ${s.address}: ${s.status}${s.error ? ` (${s.error})` : ''}`);
  for (const d of snapshot.devices) {
    const about = d.details ? `${d.details.manufacturer ?? ''} ${d.details.model ?? ''}, Android ${d.details.androidRelease ?? '?'} (API ${d.details.sdkLevel ?? '?'})` : (d.model ?? '');
    lines.push(`  ${d.serial.padEnd(22)} ${d.state.padEnd(13)} ${d.connection.padEnd(8)} ${about}`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const ownPort = Number(process.env.ANDROID_ADB_SERVER_PORT ?? 5037);
  let port = ownPort;
  let lab: ChildProcess | undefined;
  if (!(await answers(ownPort))) {
    console.log(`no adb server on port ${ownPort}: starting a private one with simulated devices`);
    ({ lab, port } = await startLab());
  }
  const poller = new PollerSupervisor({ workerScript: WORKER_SCRIPT, config: { ...DEFAULT_POLLER_CONFIG, servers: [`127.0.0.1:${port}`] } });
  poller.onDidChangeState(({ state, reason }) => console.log(`[poller] ${state}${reason ? `: ${reason}` : ''}`));
  poller.onLog(({ level, message }) => level !== 'debug' && level !== 'trace' && console.log(`[${level}] ${message}`));
  poller.onDidChangeDevices(({ snapshot }) => console.log(`\n${new Date().toLocaleTimeString()} — ${snapshot.devices.length} device(s)\n${render(snapshot)}`));
  // The worker is a daemon; this timer is what keeps the terminal session open.
  const keepAlive = setInterval(() => undefined, 60_000);
  const shutdown = async () => {
    clearInterval(keepAlive);
    await poller.dispose();
    if (lab) {
      const exited = new Promise((resolve) => lab!.once('exit', resolve));
      lab.kill('SIGINT');
      await exited;
    }
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
  await poller.start();
  console.log('watching; Ctrl-C to stop');
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
