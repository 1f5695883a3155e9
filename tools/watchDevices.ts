// The poller without VS Code, in a terminal: `npm run watch-devices`.
// Watches the adb server on ANDROID_ADB_SERVER_PORT (default 5037) when it has devices; otherwise
// starts a private adb server with a small simulated lab. Ctrl-C stops everything it started.

import * as path from 'node:path';
import { DEFAULT_POLLER_CONFIG, Snapshot } from '../src/core/types';
import { PollerSupervisor } from '../src/core/supervisor/pollerSupervisor';
import { adbServerWithDevices, RunningLab, startLab } from './simulatedLab';

const WORKER_SCRIPT = path.resolve(__dirname, '..', '..', 'dist', 'worker.js');
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
  let lab: RunningLab | undefined;
  if (!(await adbServerWithDevices(ownPort))) {
    console.log(`no adb server with devices on port ${ownPort}: starting a private one with simulated devices`);
    lab = await startLab(['--devices', '4', '--unauthorized', '1', '--offline', '1', '--flapping', '1']);
    port = lab.port;
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
    await lab?.stop();
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
