// Files figures: a 100 MB file pushed and pulled through the files capability (its model, the
// provider's every byte: adb's sync protocol over a worker stream) against `adb push` / `adb pull`
// of the same file on the same server and simulated device, runs alternating; and a folder of
// 10,000 entries listed against `adb shell ls -la` of it.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ADB_BIN, PrivateAdbServer } from '../lab/adbServerProcess';
import { createPoller, watcherModelOn } from '../lab/pollerHarness';
import { SimulatedLab } from '../lab/sim/labClient';
import { waitUntil } from '../lab/wait';
import { DeviceFiles } from '../src/files/model/deviceFiles';
import { quantile, Report } from './stats';

const FILE_MB = Number(process.env.BENCH_FILE_MB ?? 100);
const ENTRIES = 10_000;

function adbCli(adb: PrivateAdbServer, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(ADB_BIN, ['-P', String(adb.port), ...args], { env: adb.env, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 }, (error) => (error ? reject(error) : resolve())),
  );
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

export async function fileFigures(adb: PrivateAdbServer, lab: SimulatedLab, runs: number, report: Report): Promise<void> {
  const harness = createPoller({ servers: [adb.address] });
  const model = watcherModelOn(harness.supervisor);
  const files = new DeviceFiles(model);
  const sim = await lab.addDevice();
  const serial = await adb.connect(sim.port);
  const local = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-files-'));
  try {
    await harness.supervisor.start();
    await waitUntil(() => model.devices.find((d) => d.serial === serial && d.state === 'device'), 10_000, 'the device ready', { on: [model.onDidChange] });
    const address = { server: adb.address, serial };
    const bytes = randomBytes(FILE_MB * 1024 * 1024);
    const localFile = path.join(local, 'big.bin');
    await fs.writeFile(localFile, bytes);

    const push = { ours: [] as number[], adb: [] as number[] };
    const pull = { ours: [] as number[], adb: [] as number[] };
    const ourPush = () => timed(async () => files.write(address, '/sdcard/Download/ours.bin', await fs.readFile(localFile), { create: true, overwrite: true }));
    const adbPush = () => timed(() => adbCli(adb, ['-s', serial, 'push', localFile, '/sdcard/Download/theirs.bin']));
    const ourPull = () => timed(async () => fs.writeFile(path.join(local, 'ours.bin'), await files.read(address, '/sdcard/Download/ours.bin')));
    const adbPull = () => timed(() => adbCli(adb, ['-s', serial, 'pull', '/sdcard/Download/theirs.bin', path.join(local, 'theirs.bin')]));
    const pairs = Math.max(5, Math.round(runs / 3));
    for (let run = 0; run < pairs; run++) {
      // Alternate which goes first: the machine's load drifts.
      const first = run % 2 === 0;
      if (first) push.ours.push(await ourPush());
      push.adb.push(await adbPush());
      if (!first) push.ours.push(await ourPush());
      if (first) pull.ours.push(await ourPull());
      pull.adb.push(await adbPull());
      if (!first) pull.ours.push(await ourPull());
    }
    const ms = (values: number[]) => `${quantile(values, 0.5).toFixed(0)} ms (${((FILE_MB * 1024 * 1024) / (quantile(values, 0.5) / 1000) / 1e6).toFixed(0)} MB/s)`;
    for (const [what, figures] of [
      ['push', push],
      ['pull', pull],
    ] as const) {
      report(
        `${what} of ${FILE_MB} MB through the files capability (median of ${pairs})`,
        ms(figures.ours),
        `adb ${what} of the same file, same server and device: ${ms(figures.adb)}`,
        'median within 10 % of adb',
        quantile(figures.ours, 0.5) <= 1.1 * quantile(figures.adb, 0.5),
      );
    }

    await lab.control(sim.port, 'files', 'populate', { dir: '/sdcard/Many', count: ENTRIES, bytes: 1 });
    const list = { ours: [] as number[], adb: [] as number[] };
    for (let run = 0; run < pairs; run++) {
      list.ours.push(await timed(() => files.list(address, '/sdcard/Many')));
      list.adb.push(await timed(() => adbCli(adb, ['-s', serial, 'shell', 'ls', '-la', '/sdcard/Many'])));
    }
    report(
      `a folder of ${ENTRIES.toLocaleString('en')} entries listed (median of ${pairs})`,
      `${quantile(list.ours, 0.5).toFixed(0)} ms`,
      `adb shell ls -la of it: ${quantile(list.adb, 0.5).toFixed(0)} ms`,
      'no slower than adb shell ls -la',
      quantile(list.ours, 0.5) <= quantile(list.adb, 0.5),
    );
  } finally {
    files.dispose();
    model.dispose();
    await harness.supervisor.dispose();
    await adb.disconnect(serial);
    await lab.remove(sim.port);
    await fs.rm(local, { recursive: true, force: true });
  }
}
