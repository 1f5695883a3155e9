// Runs in a child process of its own, so that memory and CPU figures belong to one poller only.
//   node out/bench/probe.js poller|empty ADB_ADDRESS IDLE_SECONDS
// Prints one JSON line: the RSS the worker added, and the process CPU over the idle period.

import { setTimeout as settle } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { DEFAULT_POLLER_CONFIG } from '../src/shared/types';
import { PollerSupervisor } from '../src/supervisor/pollerSupervisor';
import { WORKER_SCRIPT } from '../lab/pollerHarness';

async function main(): Promise<void> {
  const [mode, address, idleSecondsText] = process.argv.slice(2);
  const idleMs = Number(idleSecondsText) * 1000;
  // The poller's worker is a daemon: something must keep this process alive while it measures.
  const keepAlive = setInterval(() => undefined, 60_000);
  await settle(500);
  const rssBefore = process.memoryUsage().rss;
  let stop: () => Promise<unknown>;
  if (mode === 'poller') {
    const supervisor = new PollerSupervisor({
      workerScript: WORKER_SCRIPT,
      config: { ...DEFAULT_POLLER_CONFIG, servers: [address], adbPath: '/bin/false' },
    });
    const firstSnapshot = new Promise<void>((resolve) => supervisor.onDidChangeDevices(() => resolve()));
    await supervisor.start();
    await firstSnapshot;
    stop = () => supervisor.dispose();
  } else {
    // The baseline: an empty worker that only stays alive.
    const worker = new Worker('setInterval(() => {}, 60_000); require("node:worker_threads").parentPort.postMessage("ready")', { eval: true });
    await new Promise((resolve) => worker.once('message', resolve));
    stop = () => worker.terminate();
  }
  await settle(1500);
  const rssAfter = process.memoryUsage().rss;
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  await settle(idleMs);
  const cpu = process.cpuUsage(cpuStart);
  const wallMs = performance.now() - wallStart;
  await stop();
  clearInterval(keepAlive);
  console.log(JSON.stringify({ addedRssMb: (rssAfter - rssBefore) / 2 ** 20, cpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100 }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
