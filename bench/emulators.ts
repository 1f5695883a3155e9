// Emulator figures: listing AVDs on every picker open against spawning `emulator -list-avds` once,
// and following a (simulated) emulator from adb's first listing to "booting", and from its boot
// completing to "ready".

import { ChildProcess, execFile, spawn } from 'node:child_process';
import { PrivateAdbServer } from '../lab/adbServerProcess';
import { createPoller, deviceIn, waitForSnapshot } from '../lab/pollerHarness';
import { RawTracker } from '../lab/rawTracker';
import { createSimulatedSdk } from '../lab/sim/avds';
import { androidUserHome, avdHome, listAvds } from '../src/emulators/model/avdCatalog';
import { medP95, quantile, Report } from './stats';

const AVDS = 50;
const POLL_MS = 1000;

export async function emulatorFigures(adb: PrivateAdbServer, runs: number, report: Report): Promise<void> {
  const sdk = await createSimulatedSdk(Array.from({ length: AVDS }, (_, i) => ({ name: `Device_${String(i).padStart(2, '0')}_API_${30 + (i % 6)}`, apiLevel: 30 + (i % 6) })));
  const emulator = `${sdk.root}/sdk/emulator/emulator`;
  const env = { ...process.env, ...sdk.env, ANDROID_ADB_SERVER_PORT: String(adb.port), ADW_SIM_EMULATOR_MODE: 'boot-on-signal' };
  try {
    // What each picker open costs: the AVD home read from its files.
    const home = avdHome(env);
    const reads: number[] = [];
    for (let run = 0; run < runs * 3; run++) {
      const started = performance.now();
      const listing = await listAvds(home, androidUserHome(env));
      reads.push(performance.now() - started);
      if (listing.avds.length !== AVDS) throw new Error(`listed ${listing.avds.length} AVDs, not ${AVDS}`);
    }
    // The alternative: a process per refresh (the simulator is a Node start-up; the real emulator
    // binary also loads its libraries and scans the AVD home).
    const spawns: number[] = [];
    for (let run = 0; run < 3; run++) {
      const started = performance.now();
      await new Promise<void>((resolve, reject) => execFile(emulator, ['-list-avds'], { env }, (error) => (error ? reject(error) : resolve())));
      spawns.push(performance.now() - started);
    }
    report(
      `${AVDS} AVDs listed, per picker open (median / p95)`,
      medP95(reads),
      `${medP95(spawns)} (spawning the simulated emulator -list-avds)`,
      'median below one spawn',
      quantile(reads, 0.5) < quantile(spawns, 0.5),
    );

    // From adb listing the emulator to the watcher showing it booting, and from its boot
    // completing to the watcher showing it ready.
    const harness = createPoller({ servers: [adb.address], pollIntervalMs: POLL_MS });
    await harness.supervisor.start();
    const raw = await RawTracker.open(adb.port);
    const toBooting: number[] = [];
    const toReady: number[] = [];
    let child: ChildProcess | undefined;
    try {
      for (let run = 0; run < runs; run++) {
        const consolePort = 5554 + 2 * (run % 60);
        const serial = `emulator-${consolePort}`;
        const seenByRaw = raw.waitFor(serial, 'device', 10_000);
        const booting = waitForSnapshot(harness.supervisor, (s) => deviceIn(s, serial)?.details?.booting === true, 10_000).then(() => performance.now());
        child = spawn(emulator, ['-avd', `Device_${String(run % AVDS).padStart(2, '0')}_API_${30 + ((run % AVDS) % 6)}`, '-port', String(consolePort)], { env, stdio: 'ignore' });
        const [listedAt, bootingAt] = await Promise.all([seenByRaw, booting]);
        if (listedAt === undefined) throw new Error(`${serial} never listed by adb`);
        toBooting.push(bootingAt - listedAt);
        const ready = waitForSnapshot(harness.supervisor, (s) => deviceIn(s, serial)?.details?.booting === undefined && !!deviceIn(s, serial)?.details, 10_000).then(() => performance.now());
        const bootedAt = performance.now();
        child.kill('SIGUSR1');
        toReady.push((await ready) - bootedAt);
        const gone = waitForSnapshot(harness.supervisor, (s) => !deviceIn(s, serial), 10_000);
        const exited = new Promise((resolve) => child!.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.all([exited, gone]);
        child = undefined;
      }
    } finally {
      child?.kill('SIGKILL');
      raw.close();
      await harness.supervisor.dispose();
    }
    report(
      'emulator listed by adb -> shown booting (median / p95)',
      medP95(toBooting),
      '0 ms (the raw track-devices socket sees the listing)',
      'p95 <= 250 ms (one getprop after the list)',
      quantile(toBooting, 0.95) <= 250,
    );
    report(
      `emulator boot completed -> shown ready (poll ${POLL_MS} ms; median / p95)`,
      medP95(toReady),
      `the poll period (${POLL_MS} ms): the boot is read again with each poll`,
      `p95 <= ${POLL_MS + 250} ms`,
      quantile(toReady, 0.95) <= POLL_MS + 250,
    );
  } finally {
    await sdk.dispose();
  }
}
