// Device stream figures: a simulated device's `shell:` stream (writing as fast as adb carries it)
// read through the worker to the host, against a raw adb socket reading the same stream in this
// process; and "device appears" with such a stream running in the worker, against the same
// measurement without it, runs interleaved in the same run.

import * as net from 'node:net';
import { setTimeout as settle } from 'node:timers/promises';
import { PrivateAdbServer } from '../lab/adbServerProcess';
import { createPoller, deviceIn, Harness, waitForSnapshot } from '../lab/pollerHarness';
import { RawTracker } from '../lab/rawTracker';
import { SimulatedLab } from '../lab/sim/labClient';
import { SIM_STREAM_COMMAND } from '../lab/sim/builtinServices';
import { DeviceServiceTarget } from '../src/core/supervisor/pollerSupervisor';
import { medP95, quantile, Report } from './stats';

const STREAM_BYTES = Number(process.env.BENCH_STREAM_MB ?? 256) * 1024 * 1024;
const POLL_MS = 1000;

export async function streamFigures(adb: PrivateAdbServer, lab: SimulatedLab, runs: number, report: Report): Promise<void> {
  const harness = createPoller({ servers: [adb.address], pollIntervalMs: POLL_MS });
  await harness.supervisor.start();
  const source = await lab.addDevice();
  const serial = await adb.connect(source.port);
  const listed = await waitForSnapshot(harness.supervisor, (s) => deviceIn(s, serial)?.state === 'device', 5000);
  const target: DeviceServiceTarget = { server: adb.address, serial, transportId: deviceIn(listed, serial)!.transportId };
  try {
    await throughput(harness, adb, target, Math.max(10, Math.round(runs / 3)), report);
    await appearsWithStream(harness, adb, lab, target, runs, report);
  } finally {
    await harness.supervisor.dispose();
    await adb.disconnect(serial);
    await lab.remove(source.port);
  }
}

async function throughput(harness: Harness, adb: PrivateAdbServer, target: DeviceServiceTarget, runs: number, report: Report): Promise<void> {
  const ours: number[] = [];
  const raw: number[] = [];
  for (let run = 0; run < runs; run++) {
    // Alternate which goes first: the machine's load drifts.
    if (run % 2 === 0) {
      ours.push(await throughWorker(harness, target));
      raw.push(await rawStream(adb.port, target.transportId!));
    } else {
      raw.push(await rawStream(adb.port, target.transportId!));
      ours.push(await throughWorker(harness, target));
    }
  }
  const mb = (values: number[], q: number) => `${(quantile(values, q) / 1e6).toFixed(0)}`;
  // Each run's pair measured back to back: their ratio shows less of the machine's drift.
  const ratios = ours.map((rate, i) => rate / raw[i]);
  report(
    `device shell stream, ${STREAM_BYTES / 1024 / 1024} MiB through the worker to the host (median / p5 MB/s)`,
    `${mb(ours, 0.5)} / ${mb(ours, 0.05)} MB/s (median of the runs' ratios: ${(quantile(ratios, 0.5) * 100).toFixed(0)} %)`,
    `${mb(raw, 0.5)} / ${mb(raw, 0.05)} MB/s (raw adb socket in the benchmark process)`,
    'median >= 90 % of the raw median',
    quantile(ours, 0.5) >= 0.9 * quantile(raw, 0.5),
  );
}

/** Bytes per second of one `sim-stream` read to its end through the worker; checks the count. */
async function throughWorker(harness: Harness, target: DeviceServiceTarget): Promise<number> {
  const started = performance.now();
  const stream = harness.supervisor.openDeviceStream(target, `shell:${SIM_STREAM_COMMAND} ${STREAM_BYTES}`);
  let bytes = 0;
  stream.onData((chunk) => (bytes += chunk.length));
  const end = await stream.ended;
  const rate = bytes / ((performance.now() - started) / 1000);
  if (end.reason !== 'closed' || bytes !== STREAM_BYTES) throw new Error(`the stream ended ${end.reason} after ${bytes} bytes: ${end.message}`);
  return rate;
}

/** The same stream read by a bare adb socket here: the fastest a reader in this process gets it. */
function rawStream(port: number, transportId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = net.connect({ host: '127.0.0.1', port });
    const services = [`host:transport-id:${transportId}`, `shell:${SIM_STREAM_COMMAND} ${STREAM_BYTES}`];
    const send = (service: string) => socket.write(`${service.length.toString(16).padStart(4, '0')}${service}`);
    let okays = 0;
    let pending = Buffer.alloc(0);
    let bytes = 0;
    socket.on('connect', () => send(services[0]));
    socket.on('data', (chunk: Buffer) => {
      if (okays === services.length) {
        bytes += chunk.length;
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      while (okays < services.length && pending.length >= 4) {
        if (pending.subarray(0, 4).toString('latin1') !== 'OKAY') {
          socket.destroy();
          reject(new Error(`adb refused: ${pending.toString('latin1', 0, 64)}`));
          return;
        }
        pending = pending.subarray(4);
        if (++okays < services.length) send(services[okays]);
      }
      if (okays === services.length) bytes += pending.length;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      if (bytes !== STREAM_BYTES) reject(new Error(`the raw stream ended after ${bytes} bytes`));
      else resolve(bytes / ((performance.now() - started) / 1000));
    });
  });
}

/**
 * `adb connect` to the snapshot showing the device, as the "device appears" row measures it,
 * alternately with an endless stream flowing through the worker (its bytes counted on the host)
 * and without; the raw track-devices socket is measured in both, to show adb's own share.
 */
async function appearsWithStream(harness: Harness, adb: PrivateAdbServer, lab: SimulatedLab, target: DeviceServiceTarget, runs: number, report: Report): Promise<void> {
  const raw = await RawTracker.open(adb.port);
  const withStream: number[] = [];
  const without: number[] = [];
  const rawWith: number[] = [];
  const rawWithout: number[] = [];
  let streamed = 0;
  const sims = await lab.addDevices(runs * 2);
  try {
    for (let i = 0; i < sims.length; i++) {
      const streaming = i % 2 === 1;
      const stream = streaming ? harness.supervisor.openDeviceStream(target, `shell:${SIM_STREAM_COMMAND} forever`) : undefined;
      if (stream) {
        // Measured once the stream is in full flow (its first 8 MiB through).
        let atFullFlow!: () => void;
        const full = new Promise<void>((resolve) => (atFullFlow = resolve));
        let bytes = 0;
        stream.onData((chunk) => {
          bytes += chunk.length;
          streamed += chunk.length;
          if (bytes >= 8 * 1024 * 1024) atFullFlow();
        });
        await full;
      }
      const serial = `127.0.0.1:${sims[i].port}`;
      const seenByPoller = waitForSnapshot(harness.supervisor, (s) => deviceIn(s, serial)?.state === 'device', 5000).then(() => performance.now());
      const seenByRaw = raw.waitFor(serial, 'device', 5000);
      const started = performance.now();
      await adb.connect(sims[i].port);
      const [pollerAt, rawAt] = await Promise.all([seenByPoller, seenByRaw]);
      (streaming ? withStream : without).push(pollerAt - started);
      (streaming ? rawWith : rawWithout).push((rawAt ?? NaN) - started);
      if (stream) {
        stream.cancel();
        const end = await stream.ended;
        if (end.reason !== 'cancelled') throw new Error(`the stream ended ${end.reason}: ${end.message}`);
      }
      await adb.disconnect(serial);
      await waitForSnapshot(harness.supervisor, (s) => !deviceIn(s, serial), 5000);
      await settle(100);
    }
  } finally {
    raw.close();
    for (const sim of sims) await lab.remove(sim.port);
  }
  report(
    `device appears, an endless shell stream flowing through the worker (median / p95)`,
    `${medP95(withStream)} (${(streamed / 1024 / 1024).toFixed(0)} MiB streamed; raw track-devices socket ${medP95(rawWith)})`,
    `${medP95(without)} (no stream, same run; raw socket ${medP95(rawWithout)})`,
    'median <= baseline + 2 ms',
    quantile(withStream, 0.5) <= quantile(without, 0.5) + 2,
  );
}
