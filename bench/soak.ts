// `npm run soak`: the watcher running for minutes, not in the default test run, on the real worker
// bundle, a real private adb server and simulated devices that come and go, with the adb server
// restarted now and then. Every SOAK_SAMPLE_SECONDS it samples the worker's heap (the `test-heap`
// hook, after a gc), this process's heap (after a gc), its handles, and the adb connections; at the
// end it prints a table and the growth of each figure from the first quarter of the run to the last.
//   SOAK_MINUTES (default 5), SOAK_SAMPLE_SECONDS (default 10), SOAK_DEVICES (default 8),
//   SOAK_RESTART_SECONDS (adb server restart period, default 60)
// Exits 1 when a figure grows past its limit, the worker failed, or something was left behind.

import { setTimeout as sleep } from 'node:timers/promises';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { PrivateAdbServer } from '../lab/adbServerProcess';
import { createPoller, waitForSnapshot } from '../lab/pollerHarness';
import { activeHandles, connectionsTo } from '../lab/resources';
import { SimDeviceInfo, SimulatedLab } from '../lab/sim/labClient';
import { WakeableSleep } from '../src/core/backoff';
import { hookedWorker, workerHeapUsage } from '../lab/workerHooks';

// Before any worker exists: workers then get gc() too, which the test-heap hook calls first.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const MINUTES = Number(process.env.SOAK_MINUTES ?? 5);
const SAMPLE_SECONDS = Number(process.env.SOAK_SAMPLE_SECONDS ?? 10);
const DEVICES = Number(process.env.SOAK_DEVICES ?? 8);
const RESTART_SECONDS = Number(process.env.SOAK_RESTART_SECONDS ?? 60);
/** One churn step (a device unplugged and back, or detached and attached) every this many ms. */
const CHURN_MS = 250;
const MB = 1024 * 1024;

interface Sample {
  at: number;
  workerHeapMb: number;
  workerExternalMb: number;
  hostHeapMb: number;
  /** The whole process (host and worker threads share it). */
  rssMb: number;
  handles: number;
  timers: number;
  adbConnections: number;
  devices: number;
  snapshots: number;
  churn: number;
  restarts: number;
}

async function main(): Promise<number> {
  const [adb, lab] = await Promise.all([PrivateAdbServer.start(), SimulatedLab.start()]);
  const harness = createPoller({ servers: [adb.address] }, hookedWorker({ reportHeap: true }));
  const { supervisor } = harness;
  const samples: Sample[] = [];
  let churn = 0;
  let restarts = 0;
  let churnErrors = 0;
  let snapshots = 0;
  supervisor.onDidChangeDevices(() => snapshots++);
  let stopping = false;
  const restartSleep = new WakeableSleep();
  try {
    await supervisor.start();
    const sims: SimDeviceInfo[] = await lab.addDevices(DEVICES);
    for (const sim of sims) await adb.connect(sim.port);

    // Devices coming and going: unplug + replug + reconnect, or a plain detach + attach.
    const churner = (async () => {
      let step = 0;
      while (!stopping) {
        const sim = sims[step % sims.length];
        try {
          if (step % 2 === 0) {
            await lab.unplug(sim.port);
            await lab.replug(sim.port);
            await adb.reconnect(sim.port);
          } else {
            await adb.disconnect(sim.port).catch(() => undefined);
            await adb.connect(sim.port);
          }
          churn++;
        } catch {
          churnErrors++; // e.g. during a server restart; the next step goes on
        }
        step++;
        await sleep(CHURN_MS);
      }
    })();
    // The adb server restarted now and then; it forgets TCP devices, so they are attached again.
    const restarter = (async () => {
      while (!stopping) {
        await restartSleep.sleep(RESTART_SECONDS * 1000);
        if (stopping) break;
        await adb.restart();
        restarts++;
        for (const sim of sims) await adb.connect(sim.port).catch(() => undefined);
      }
    })();

    const started = performance.now();
    const end = started + MINUTES * 60_000;
    console.error(`soak: ${MINUTES} min, ${DEVICES} devices churning every ${CHURN_MS} ms, adb restart every ${RESTART_SECONDS} s, sample every ${SAMPLE_SECONDS} s`);
    while (performance.now() < end) {
      await sleep(SAMPLE_SECONDS * 1000);
      gc();
      const worker = await workerHeapUsage(supervisor, 5000);
      const host = process.memoryUsage();
      const handles = activeHandles();
      const sample: Sample = {
        at: (performance.now() - started) / 1000,
        workerHeapMb: worker.heapUsed / MB,
        workerExternalMb: worker.external / MB,
        hostHeapMb: host.heapUsed / MB,
        rssMb: host.rss / MB,
        handles: Object.values(handles).reduce((a, b) => a + b, 0),
        timers: handles.Timeout ?? 0,
        adbConnections: await connectionsTo(adb.port),
        devices: supervisor.snapshot?.devices.length ?? 0,
        snapshots,
        churn,
        restarts,
      };
      samples.push(sample);
      console.error(
        `  ${sample.at.toFixed(0).padStart(5)} s  worker heap ${sample.workerHeapMb.toFixed(2)} MB  host heap ${sample.hostHeapMb.toFixed(2)} MB  handles ${sample.handles}  adb conns ${sample.adbConnections}  devices ${sample.devices}  churn ${churn}  restarts ${restarts}`,
      );
      // The harness keeps every snapshot for tests; a soak keeps only a count (above).
      harness.snapshots.splice(0, harness.snapshots.length - 1);
      harness.logs.splice(0, Math.max(0, harness.logs.length - 200));
    }
    stopping = true;
    restartSleep.wake();
    await Promise.all([churner, restarter.catch(() => undefined)]);
    for (const sim of sims) await adb.connect(sim.port).catch(() => undefined);
  } finally {
    stopping = true;
    restartSleep.wake();
  }

  // The final list is right: every device back, with details.
  await waitForSnapshot(supervisor, (s) => s.devices.length === DEVICES && s.devices.every((d) => d.state === 'device' && d.details), 15_000, 'the final list').catch(
    () => undefined,
  );
  const finalSnapshot = supervisor.snapshot;
  const finalOk = !!finalSnapshot && finalSnapshot.devices.length === DEVICES && finalSnapshot.devices.every((d) => d.state === 'device' && d.details !== undefined);
  const state = supervisor.state;
  const failures = harness.logs.filter((line) => /the device poller failed|exited unexpectedly|Unhandled/i.test(line));
  await supervisor.dispose();
  const connectionsAfter = await connectionsTo(adb.port);
  await Promise.all([adb.stop(), lab.close()]);

  // The table.
  const columns: [keyof Sample, string, (v: number) => string][] = [
    ['at', 't (s)', (v) => v.toFixed(0)],
    ['workerHeapMb', 'worker heap MB', (v) => v.toFixed(2)],
    ['workerExternalMb', 'worker external MB', (v) => v.toFixed(2)],
    ['hostHeapMb', 'host heap MB', (v) => v.toFixed(2)],
    ['rssMb', 'process rss MB', (v) => v.toFixed(1)],
    ['handles', 'handles', String],
    ['timers', 'timers', String],
    ['adbConnections', 'adb conns', String],
    ['devices', 'devices', String],
    ['snapshots', 'snapshots', String],
    ['churn', 'churn steps', String],
    ['restarts', 'adb restarts', String],
  ];
  console.log(`| ${columns.map(([, title]) => title).join(' | ')} |`);
  console.log(`|${columns.map(() => ' ---: ').join('|')}|`);
  for (const sample of samples) console.log(`| ${columns.map(([key, , format]) => format(sample[key])).join(' | ')} |`);

  // Growth: the mean of the last quarter of samples against the first quarter.
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const mean = (list: Sample[], key: keyof Sample) => list.reduce((sum, s) => sum + s[key], 0) / list.length;
  const first = samples.slice(0, quarter);
  const last = samples.slice(-quarter);
  const limits: [keyof Sample, string, number][] = [
    ['workerHeapMb', 'worker heap (MB)', 2],
    ['hostHeapMb', 'host heap (MB)', 2],
    ['rssMb', 'process rss (MB)', 20],
    ['handles', 'handles', 3],
    ['adbConnections', 'adb connections', 1],
  ];
  console.log('\n| figure | first quarter | last quarter | growth | limit |\n| --- | ---: | ---: | ---: | ---: |');
  let grew = false;
  for (const [key, title, limit] of limits) {
    const a = mean(first, key);
    const b = mean(last, key);
    const over = b - a > limit;
    grew ||= over;
    console.log(`| ${title} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(b - a >= 0 ? '+' : '') + (b - a).toFixed(2)} | ${limit}${over ? ' EXCEEDED' : ''} |`);
  }
  const lastSample = samples.at(-1);
  console.log(
    `\n${lastSample?.churn ?? 0} churn steps (${churnErrors} failed during restarts), ${lastSample?.restarts ?? 0} adb restarts, worker state at the end: ${state}; ` +
      `final list right: ${finalOk}; adb connections after dispose: ${connectionsAfter}; worker failures logged: ${failures.length}`,
  );
  const ok = !grew && state === 'running' && finalOk && connectionsAfter === 0 && failures.length === 0;
  console.log(ok ? 'soak: passed' : 'soak: FAILED');
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
