// Runs in a child process of its own, so that memory and CPU figures belong to one poller only.
//   node out/bench/probe.js poller|poller-background|empty|bare-poll ADB_ADDRESS IDLE_SECONDS SETTLE_SECONDS
// Prints one JSON line: the RSS the worker added, the process CPU over the idle period, and (for a
// poller) the snapshot messages it received meanwhile (nothing changes: there should be none).
// The baselines: an empty worker that only stays alive; and the same with a bare loop that asks
// the server for `host:devices-l` once a second (the floor of any watcher that polls that often).

import { setTimeout as settle } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { DEFAULT_POLLER_CONFIG } from '../src/core/types';
import { PollerSupervisor } from '../src/core/supervisor/pollerSupervisor';
import { adbHostRequest } from '../lab/hostProtocol';
import { WORKER_SCRIPT } from '../lab/pollerHarness';
import { parseServerAddress } from '../src/core/address';

export type ProbeMode = 'poller' | 'poller-background' | 'empty' | 'bare-poll';

export interface ProbeResult {
  addedRssMb: number;
  cpuPercent: number;
  /** Snapshot messages during the idle period (a poller only). */
  snapshots?: number;
}

async function main(): Promise<void> {
  const [mode, address, idleSecondsText, settleSecondsText] = process.argv.slice(2) as [ProbeMode, string, string, string];
  const idleMs = Number(idleSecondsText) * 1000;
  // The poller's worker is a daemon: something must keep this process alive while it measures.
  const keepAlive = setInterval(() => undefined, 60_000);
  await settle(500);
  const rssBefore = process.memoryUsage().rss;
  let stop: () => Promise<unknown>;
  let snapshots = 0;
  if (mode === 'poller' || mode === 'poller-background') {
    const supervisor = new PollerSupervisor({
      workerScript: WORKER_SCRIPT,
      config: { ...DEFAULT_POLLER_CONFIG, servers: [address], adbPath: '/bin/false' },
    });
    // As the extension does at activation: the window's focus is known before the worker starts.
    supervisor.setFocused(mode === 'poller');
    const firstSnapshot = new Promise<void>((resolve) => supervisor.onDidChangeDevices(() => resolve()));
    supervisor.onDidChangeDevices(() => snapshots++);
    await supervisor.start();
    await firstSnapshot;
    stop = () => supervisor.dispose();
  } else {
    const worker = new Worker('setInterval(() => {}, 60_000); require("node:worker_threads").parentPort.postMessage("ready")', { eval: true });
    await new Promise((resolve) => worker.once('message', resolve));
    let polling: NodeJS.Timeout | undefined;
    if (mode === 'bare-poll') {
      const port = parseServerAddress(address)!.port;
      const poll = () => void adbHostRequest(port, 'host:devices-l').finally(() => (polling = setTimeout(poll, DEFAULT_POLLER_CONFIG.pollIntervalMs)));
      poll();
    }
    stop = () => {
      clearTimeout(polling);
      return worker.terminate();
    };
  }
  await settle(1500);
  const rssAfter = process.memoryUsage().rss;
  // Start-up is not idleness: V8 collects its start-up garbage some seconds after a burst of
  // allocation (the memory reducer), a one-off cost the idle period should not include.
  await settle(Number(settleSecondsText) * 1000);
  const snapshotsBefore = snapshots;
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  await settle(idleMs);
  const cpu = process.cpuUsage(cpuStart);
  const wallMs = performance.now() - wallStart;
  const idleSnapshots = snapshots - snapshotsBefore;
  await stop();
  clearInterval(keepAlive);
  const result: ProbeResult = {
    addedRssMb: (rssAfter - rssBefore) / 2 ** 20,
    cpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
    ...((mode === 'poller' || mode === 'poller-background') && { snapshots: idleSnapshots }),
  };
  console.log(JSON.stringify(result));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
