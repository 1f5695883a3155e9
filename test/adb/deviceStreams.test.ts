// The worker's device services through the real worker and a real private adb server, with
// simulated devices: a stream read to its end, cancelled, cut by the device leaving, read by a
// slow consumer and by one that stops reading, and ended by the watcher's pause, stop, kill and a
// crash; requests with their byte bound and deadline. Each test asserts the outcome and the order
// of events, and that nothing is left behind: not in the worker (its handles, checked through a
// test hook, and its connections to adb), not on the device (its open services), not on the host
// (the resource tracker).

import * as assert from 'node:assert/strict';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { createPoller, deviceIn, Harness, waitForSnapshot, waitForState, WORKER_SCRIPT } from '../../lab/pollerHarness';
import { connectionsTo } from '../../lab/resources';
import { SimDeviceInfo } from '../../lab/sim/labClient';
import { SIM_STREAM_MODULUS } from '../../lab/sim/builtinServices';
import { waitUntil } from '../../lab/wait';
import { hookedWorker, sendCrash, WorkerHookOptions, workerHandles, workerHeapUsage } from '../../lab/workerHooks';
import { DeviceServiceTarget, DeviceStream, DeviceStreamWriteError, PollerSupervisor } from '../../src/core/supervisor/pollerSupervisor';
import { useLab } from '../support/labFixture';
import { useProblemSpy } from '../support/problemSpy';
import { MADE_BY_SUPERVISOR, useResourceTracker } from '../support/resourceTracker';

// Workers created from now on get `gc()`, which the heap hook calls before it measures; and this
// thread gets one too (a fresh context reads the flag).
v8.setFlagsFromString('--expose-gc');
const hostGc = vm.runInNewContext('gc') as () => void;

const KB = 1024;
const MB = 1024 * KB;
/** The most one socket read hands the worker at once (libuv reads 64 KiB at a time). */
const ONE_READ = 64 * KB;

/** Byte k of a `sim-stream` is k % 251: checks `chunk`, which starts at byte `offset`. */
function inPattern(chunk: Uint8Array, offset: number): boolean {
  for (let i = 0; i < chunk.length; i++) {
    if (chunk[i] !== (offset + i) % SIM_STREAM_MODULUS) return false;
  }
  return true;
}

/** Reads a stream as it comes: byte count, order, and what `onChunk` wants to do at each chunk. */
function collect(stream: DeviceStream, onChunk: (total: number) => void = () => undefined): { bytes: () => number; inOrder: () => boolean } {
  let bytes = 0;
  let inOrder = true;
  stream.onData((chunk) => {
    inOrder &&= inPattern(chunk, bytes);
    bytes += chunk.length;
    onChunk(bytes);
  });
  return { bytes: () => bytes, inOrder: () => inOrder };
}

const sorted = (handles: Record<string, number>) => JSON.stringify(Object.entries(handles).sort());

describe('device streams and requests (real worker, real adb server)', function () {
  this.timeout(60_000);
  const fixture = useLab();
  let harness: Harness | undefined;
  useProblemSpy(() => harness);
  const tracker = useResourceTracker(async () => {
    await harness?.supervisor.dispose();
    harness = undefined;
  }, 5000);

  interface Watched {
    supervisor: PollerSupervisor;
    sim: SimDeviceInfo;
    target: DeviceServiceTarget;
    /** The worker's handles with the device listed and read, no job running. */
    idle: Record<string, number>;
  }

  /**
   * A watcher (the product's worker with test hooks) and a device it lists with its details
   * read, polling rarely: the worker then holds one adb connection (the push stream) besides its
   * jobs' own.
   */
  async function watchDevice(hooks: WorkerHookOptions = {}, workerScript?: string): Promise<Watched> {
    harness = createPoller({ servers: [fixture.adb.address], pollIntervalMs: 60_000 }, workerScript ? { workerScript } : hookedWorker(hooks));
    const { supervisor } = harness;
    await supervisor.start();
    const { sim, serial } = await fixture.attach();
    // Every device of the server read (earlier tests' devices too): no getprop in flight.
    const listed = await waitForSnapshot(
      supervisor,
      (s) => deviceIn(s, serial)?.details !== undefined && s.devices.every((device) => device.state !== 'device' || device.details),
      10_000,
      'the devices with their details',
    );
    const target = { server: fixture.adb.address, serial, transportId: deviceIn(listed, serial)!.transportId };
    assert.ok(target.transportId, 'adb lists a transport id');
    let idle: Record<string, number> = {};
    if (!workerScript) {
      // Settled: the push stream its only socket, nothing connecting, no publish pending.
      await waitUntil(
        async () => {
          idle = await workerHandles(supervisor);
          return idle.TCPSocketWrap === 1 && !idle.ConnectWrap && !idle.Immediate;
        },
        5000,
        'the worker to settle',
        { everyMs: 20, explain: () => sorted(idle) },
      );
    }
    return { supervisor, sim, target, idle };
  }

  /** The worker holds what it held before the job: its handles and its one adb connection. */
  async function workerBackToIdle({ supervisor, idle }: Watched, hooks = true): Promise<void> {
    let seen = '';
    await waitUntil(
      async () => {
        const handles = hooks ? sorted(await workerHandles(supervisor)) : sorted(idle);
        const connections = await connectionsTo(fixture.adb.port);
        seen = `handles ${handles} (idle ${sorted(idle)}), ${connections} connections to adb`;
        return handles === sorted(idle) && connections === 1;
      },
      5000,
      'the worker to hold only what it held before the job',
      { everyMs: 20, explain: () => seen },
    );
  }

  /** The device has no service open: adb closed the device's side too. */
  async function deviceClosedAll(sim: SimDeviceInfo): Promise<void> {
    await waitUntil(async () => (await fixture.lab.openStreams(sim.port)) === 0, 5000, 'the device to have no service open', { everyMs: 20 });
  }

  /** A stream of the endless pattern, flowing (its first bytes arrived). */
  async function flowing(stream: DeviceStream, bytes: () => number): Promise<void> {
    await waitUntil(() => bytes() > 0, 5000, 'the stream to flow', { on: [stream.onData] });
  }

  describe('a stream', () => {
    for (const [name, script] of [['the worker', undefined], ['the shipped worker bundle', WORKER_SCRIPT]] as const) {
      it(`is read to its end through ${name}: every byte, in order, then \`closed\`; nothing left behind`, async () => {
        const watched = await watchDevice({}, script);
        const window = 256 * KB;
        // Large (many windows), and tiny (its bytes come with the device's OKAY), as shell and exec.
        for (const [service, size] of [
          ['shell', 8 * MB + 7],
          ['exec', 10],
        ] as const) {
          const stream = watched.supervisor.openDeviceStream(watched.target, `${service}:sim-stream ${size}`, { windowBytes: window });
          const read = collect(stream);
          const end = await stream.ended;
          assert.equal(end.reason, 'closed', end.message);
          assert.equal(await stream.opened, true);
          assert.equal(read.bytes(), size);
          assert.ok(read.inOrder(), 'every byte in order');
          const { worker, maxReportedUnacked } = stream.stats;
          assert.equal(worker?.bytes, size);
          assert.ok(worker!.maxUnacked <= window && maxReportedUnacked <= window, `un-acknowledged within the window: ${JSON.stringify(stream.stats)}`);
        }
        await workerBackToIdle(watched, script === undefined);
        await deviceClosedAll(watched.sim);
      });
    }

    it('cancelled midway ends `cancelled`: no data after cancel(), the device side closed, nothing left behind', async () => {
      const watched = await watchDevice();
      const stream = watched.supervisor.openDeviceStream(watched.target, 'shell:sim-stream forever');
      let atCancel = -1;
      const read = collect(stream, (bytes) => {
        if (atCancel < 0 && bytes >= 2 * MB) {
          stream.cancel();
          atCancel = bytes;
        }
      });
      const end = await stream.ended;
      assert.equal(end.reason, 'cancelled', end.message);
      assert.equal(read.bytes(), atCancel, 'no data event after cancel()');
      assert.ok(read.inOrder());
      await workerBackToIdle(watched);
      await deviceClosedAll(watched.sim);
    });

    it('cut by the device leaving (unplugged midway) ends `device-gone`, in adb\'s words', async () => {
      const watched = await watchDevice();
      const stream = watched.supervisor.openDeviceStream(watched.target, 'shell:sim-stream forever');
      let unplugged: Promise<void> | undefined;
      const read = collect(stream, (bytes) => {
        if (!unplugged && bytes >= 2 * MB) unplugged = fixture.lab.unplug(watched.sim.port);
      });
      const end = await stream.ended;
      await unplugged;
      assert.equal(end.reason, 'device-gone', end.message);
      assert.match(end.message, /the device left .*\(adb: .*(offline|not found)/);
      assert.ok(read.bytes() >= 2 * MB && read.inOrder());
      await workerBackToIdle(watched);
    });

    it('read by a slow consumer: never more than the window un-acknowledged, the worker\'s memory bounded, the device held back', async () => {
      const watched = await watchDevice({ reportHeap: true });
      const before = (await workerHeapUsage(watched.supervisor)).arrayBuffers;
      const window = 256 * KB;
      const size = 48 * MB;
      const stream = watched.supervisor.openDeviceStream(watched.target, `shell:sim-stream ${size}`, { windowBytes: window });
      const midway: { written?: number; read?: number; arrayBuffers?: Promise<number> } = {};
      const read = collect(stream, (bytes) => {
        // The consumer takes each chunk, then needs a millisecond before it can take the next.
        stream.pause();
        setTimeout(() => stream.resume(), 1);
        if (midway.read === undefined && bytes >= size / 2) {
          midway.read = bytes;
          // Output handed to this thread is still counted by the worker's allocator until it is collected here.
          hostGc();
          midway.arrayBuffers = workerHeapUsage(watched.supervisor).then((memory) => memory.arrayBuffers);
          void fixture.lab.bytesWritten(watched.sim.port).then((written) => (midway.written = written));
        }
      });
      const end = await stream.ended;
      assert.equal(end.reason, 'closed', end.message);
      assert.equal(read.bytes(), size);
      assert.ok(read.inOrder());
      const { worker, maxReportedUnacked } = stream.stats;
      assert.ok(worker!.maxUnacked <= window, `the worker's un-acknowledged bytes passed the window: ${JSON.stringify(stream.stats)}`);
      assert.ok(maxReportedUnacked <= window, JSON.stringify(stream.stats));
      assert.ok(worker!.maxHeld <= window + ONE_READ, `the worker held more than the window and one read: ${JSON.stringify(stream.stats)}`);
      const arrayBuffers = await midway.arrayBuffers!;
      assert.ok(arrayBuffers - before < 2 * MB, `the worker's ArrayBuffers midway: ${arrayBuffers} (${before} before)`);
      // The device writes only as fast as the consumer reads, give or take what the sockets buffer.
      assert.ok(midway.written! - midway.read! < size / 4, `midway the device had written ${midway.written}, the consumer read ${midway.read}`);
      await workerBackToIdle(watched);
    });

    it('paused by its reader: no data while paused, the device held (its writes stop), and it goes on in order after resume', async () => {
      const watched = await watchDevice();
      const window = 256 * KB;
      const stream = watched.supervisor.openDeviceStream(watched.target, 'shell:sim-stream forever', { windowBytes: window });
      let pausedAt = -1;
      const read = collect(stream, (bytes) => {
        if (pausedAt < 0) {
          stream.pause();
          pausedAt = bytes;
        }
      });
      await flowing(stream, read.bytes);
      // The pipeline fills and stops: adb stops acknowledging the device's writes.
      let last = -1;
      await waitUntil(
        async () => {
          const written = await fixture.lab.bytesWritten(watched.sim.port);
          const still = written === last;
          last = written;
          return still;
        },
        10_000,
        "the device's writes to stop",
        { everyMs: 100 },
      );
      assert.equal(read.bytes(), pausedAt, 'no data event while paused');
      assert.ok(stream.stats.queuedBytes <= window, JSON.stringify(stream.stats));
      const target = read.bytes() + 4 * MB;
      stream.resume();
      await waitUntil(() => read.bytes() >= target, 10_000, 'the stream to go on after resume', { on: [stream.onData] });
      stream.cancel();
      const end = await stream.ended;
      assert.equal(end.reason, 'cancelled');
      assert.ok(read.inOrder(), 'in order across the pause');
      const { worker } = stream.stats;
      assert.ok(worker!.maxUnacked <= window && worker!.maxHeld <= window + ONE_READ, JSON.stringify(stream.stats));
      await workerBackToIdle(watched);
      await deviceClosedAll(watched.sim);
    });
  });

  describe('input to a stream', () => {
    /** `size` bytes no two nearby chunks share: byte k is (k * 7 + k >> 12) & 0xff. */
    function input(size: number): Buffer {
      const data = Buffer.alloc(size);
      for (let k = 0; k < size; k++) data[k] = (k * 7 + (k >> 12)) & 0xff;
      return data;
    }

    /** Everything the stream gives, kept. */
    function keep(stream: DeviceStream): () => Buffer {
      const chunks: Uint8Array[] = [];
      stream.onData((chunk) => chunks.push(chunk));
      return () => Buffer.concat(chunks);
    }

    for (const service of ['exec:cat', 'shell:cat']) {
      it(`\`${service}\` echoes 1 MiB written in chunks, each awaited, byte for byte; end of input ends it \`closed\`; nothing left behind`, async () => {
        const watched = await watchDevice();
        const stream = watched.supervisor.openDeviceStream(watched.target, service, { windowBytes: 256 * KB });
        const echoed = keep(stream);
        const sent = input(1 * MB);
        // Uneven chunks, so no write lines up with a read or a payload.
        for (let offset = 0, size = 1; offset < sent.length; offset += size, size = (size * 3 + 1) % (48 * KB) || 1) {
          await stream.write(sent.subarray(offset, offset + size));
        }
        await waitUntil(() => echoed().length >= sent.length, 10_000, 'the echo of every byte', { on: [stream.onData] });
        stream.endInput();
        const end = await stream.ended;
        assert.equal(end.reason, 'closed', end.message);
        assert.equal(echoed().length, sent.length);
        assert.ok(echoed().equals(sent), 'the echo is what was written, in order');
        await assert.rejects(stream.write(Buffer.from('late')), (error: DeviceStreamWriteError) => error.end.reason === 'closed');
        await workerBackToIdle(watched);
        await deviceClosedAll(watched.sim);
      });
    }

    it('writes not awaited go in order; a write after cancel() rejects `cancelled`; nothing left behind', async () => {
      const watched = await watchDevice();
      const stream = watched.supervisor.openDeviceStream(watched.target, 'exec:cat');
      const echoed = keep(stream);
      const sent = input(64 * 16 * KB);
      const writes: Promise<void>[] = [];
      for (let offset = 0; offset < sent.length; offset += 16 * KB) writes.push(stream.write(sent.subarray(offset, offset + 16 * KB)));
      await Promise.all(writes);
      await waitUntil(() => echoed().length >= sent.length, 10_000, 'the echo of every byte', { on: [stream.onData] });
      assert.ok(echoed().equals(sent));
      stream.cancel();
      await assert.rejects(stream.write(Buffer.from('after')), (error: DeviceStreamWriteError) => error.end.reason === 'cancelled');
      assert.equal((await stream.ended).reason, 'cancelled');
      await workerBackToIdle(watched);
      await deviceClosedAll(watched.sim);
    });

    it('the watcher pausing or being killed ends the stream and every write after it with that end', async () => {
      const watched = await watchDevice();
      const { supervisor } = watched;
      for (const step of ['pause', 'kill'] as const) {
        const stream = supervisor.openDeviceStream(watched.target, 'exec:cat');
        const echoed = keep(stream);
        await stream.write(Buffer.from('ping'));
        await waitUntil(() => echoed().length === 4, 5000, 'the echo', { on: [stream.onData] });
        const reason = step === 'pause' ? 'paused' : 'killed';
        // A write in flight as the watcher ends: it is taken or fails with the end, never left waiting.
        const inFlight = stream.write(input(4 * MB)).then(
          () => 'taken',
          (error: DeviceStreamWriteError) => error.end.reason,
        );
        await (step === 'pause' ? supervisor.pause() : supervisor.kill());
        assert.equal((await stream.ended).reason, reason);
        assert.ok(['taken', reason].includes(await inFlight), await inFlight);
        await assert.rejects(stream.write(Buffer.from('late')), (error: DeviceStreamWriteError) => error.end.reason === reason);
        await deviceClosedAll(watched.sim);
        if (step === 'pause') await supervisor.resume();
      }
      assert.equal(await connectionsTo(fixture.adb.port), 0);
      await tracker().untilNoneAlive(5000, MADE_BY_SUPERVISOR);
    });
  });

  describe('the watcher ends every job', () => {
    /** A stream flowing and a request waiting on the device, both open when the watcher ends. */
    async function openJobs(watched: Watched) {
      const stream = watched.supervisor.openDeviceStream(watched.target, 'shell:sim-stream forever');
      const read = collect(stream);
      const request = watched.supervisor.requestDeviceService(watched.target, 'shell:sleep 60', { timeoutMs: 120_000 });
      await flowing(stream, read.bytes);
      await waitUntil(async () => (await fixture.lab.openStreams(watched.sim.port)) === 2, 5000, 'both services open on the device', { everyMs: 20 });
      return { stream, request };
    }

    it('on pause: they end `paused` before the watcher says paused, with no socket left; new ones wait for resume', async () => {
      const watched = await watchDevice();
      const { supervisor } = watched;
      const { stream, request } = await openJobs(watched);
      await supervisor.pause();
      assert.equal(stream.end?.reason, 'paused', 'the stream ended before the pause was acknowledged');
      const result = await request;
      assert.ok(!result.ok && result.end.reason === 'paused', JSON.stringify(result));
      const connections = await connectionsTo(fixture.adb.port);
      assert.equal(connections, 0, 'a paused worker holds no adb connection');
      // Its sockets are closed; node lets go of their handles at the end of that event-loop turn.
      await waitUntil(async () => !(await workerHandles(supervisor)).TCPSocketWrap, 5000, 'the paused worker to hold no socket', { everyMs: 20 });
      await deviceClosedAll(watched.sim);

      const refused = supervisor.openDeviceStream(watched.target, 'shell:sim-stream 10');
      assert.deepEqual(await refused.ended, { reason: 'not-running', message: 'the device watcher is paused; resume it first' });
      const refusedRequest = await supervisor.requestDeviceService(watched.target, 'shell:sim-stream 10');
      assert.ok(!refusedRequest.ok && refusedRequest.end.reason === 'not-running');

      await supervisor.resume();
      const again = supervisor.openDeviceStream(watched.target, 'shell:sim-stream 1000');
      const read = collect(again);
      assert.equal((await again.ended).reason, 'closed');
      assert.equal(read.bytes(), 1000);
    });

    it('on stop: they end `stopped` and the worker exits on its own, leaving nothing', async () => {
      const watched = await watchDevice();
      const { stream, request } = await openJobs(watched);
      await watched.supervisor.stop();
      assert.equal(stream.end?.reason, 'stopped');
      const result = await request;
      assert.ok(!result.ok && result.end.reason === 'stopped', JSON.stringify(result));
      assert.ok(!harness!.logs.some((line) => line.includes('did not stop')), harness!.logs.join('\n'));
      assert.equal(await connectionsTo(fixture.adb.port), 0);
      await tracker().untilNoneAlive(5000, MADE_BY_SUPERVISOR);
      await deviceClosedAll(watched.sim);
    });

    it('on kill: the host side ends them `killed` (the worker cannot), and nothing is left', async () => {
      const watched = await watchDevice();
      const { stream, request } = await openJobs(watched);
      await watched.supervisor.kill();
      assert.deepEqual(await stream.ended, { reason: 'killed', message: 'the device watcher was force-killed' });
      const result = await request;
      assert.ok(!result.ok && result.end.reason === 'killed', JSON.stringify(result));
      assert.equal(await connectionsTo(fixture.adb.port), 0);
      await tracker().untilNoneAlive(5000, MADE_BY_SUPERVISOR);
      await deviceClosedAll(watched.sim);
    });

    it('on a crash: the host side ends them `crashed`, with the crash', async () => {
      const watched = await watchDevice({ allowCrash: true });
      const { supervisor } = watched;
      const { stream, request } = await openJobs(watched);
      sendCrash(supervisor);
      const end = await stream.ended;
      assert.equal(end.reason, 'crashed');
      assert.match(end.message, /crashed on purpose/);
      const result = await request;
      assert.ok(!result.ok && result.end.reason === 'crashed', JSON.stringify(result));
      await waitForState(supervisor, 'running', 10_000); // restarted
      await deviceClosedAll(watched.sim);
      // The crash was wanted: its lines are not a problem for the spy to report.
      const logs = harness!.logs;
      assert.ok(logs.some((line) => /the device poller failed: .*crashed on purpose/.test(line)), logs.join('\n'));
      logs.splice(0, logs.length, ...logs.filter((line) => !/crashed on purpose/.test(line)));
    });
  });

  describe('a request', () => {
    it('gives the whole output within its byte bound, and refuses past it', async () => {
      const watched = await watchDevice();
      const { supervisor, target, sim } = watched;
      const model = await supervisor.requestDeviceService(target, 'exec:getprop ro.product.model');
      assert.ok(model.ok, JSON.stringify(model));
      assert.equal(Buffer.from(model.data).toString('utf8'), `${sim.properties['ro.product.model']}\n`);

      const exact = await supervisor.requestDeviceService(target, 'shell:sim-stream 100000', { maxBytes: 100_000 });
      assert.ok(exact.ok && exact.data.length === 100_000 && inPattern(exact.data, 0), 'exactly its bound');
      const over = await supervisor.requestDeviceService(target, 'shell:sim-stream 100001', { maxBytes: 100_000 });
      assert.ok(!over.ok && over.end.reason === 'too-large', JSON.stringify(over));
      assert.match(over.end.message, /more than 100000 bytes/);
      // An endless output is refused at the bound, not read on.
      const endless = await supervisor.requestDeviceService(target, 'shell:sim-stream forever', { maxBytes: 1 * MB });
      assert.ok(!endless.ok && endless.end.reason === 'too-large', JSON.stringify(endless));
      await workerBackToIdle(watched);
      await deviceClosedAll(sim);
    });

    it('ends `timeout` at its deadline and `cancelled` on its signal, closing the device side', async () => {
      const watched = await watchDevice();
      const { supervisor, target, sim } = watched;
      const late = await supervisor.requestDeviceService(target, 'shell:sleep 60', { timeoutMs: 300 });
      assert.ok(!late.ok && late.end.reason === 'timeout', JSON.stringify(late));
      assert.match(late.end.message, /within 300 ms/);
      await deviceClosedAll(sim);

      const controller = new AbortController();
      const cancelled = supervisor.requestDeviceService(target, 'shell:sleep 60', { signal: controller.signal });
      await waitUntil(async () => (await fixture.lab.openStreams(sim.port)) === 1, 5000, 'the request to reach the device', { everyMs: 20 });
      controller.abort();
      const result = await cancelled;
      assert.ok(!result.ok && result.end.reason === 'cancelled', JSON.stringify(result));
      await workerBackToIdle(watched);
      await deviceClosedAll(sim);
    });

    it('ends `device-gone` when the device leaves before the output ended (a cut output never passes for whole)', async () => {
      const watched = await watchDevice();
      const { supervisor, target, sim } = watched;
      const request = supervisor.requestDeviceService(target, 'shell:sleep 60', { timeoutMs: 120_000 });
      await waitUntil(async () => (await fixture.lab.openStreams(sim.port)) === 1, 5000, 'the request to reach the device', { everyMs: 20 });
      await fixture.lab.unplug(sim.port);
      const result = await request;
      assert.ok(!result.ok && result.end.reason === 'device-gone', JSON.stringify(result));
      await workerBackToIdle(watched);
    });

    it('fails clearly for a device adb does not know, a service that is not a device service, and bad bounds', async () => {
      const watched = await watchDevice();
      const { supervisor, target } = watched;
      const unknown = await supervisor.requestDeviceService({ server: target.server, serial: '127.0.0.1:1' }, 'shell:getprop');
      assert.ok(!unknown.ok && unknown.end.reason === 'failed', JSON.stringify(unknown));
      // adb 29 and 34 say the same.
      assert.match(unknown.end.message, /refused: 'device '127\.0\.0\.1:1' not found'/);
      const host = await supervisor.requestDeviceService(target, 'host:version');
      assert.ok(!host.ok && /not a device service/.test(host.end.message), JSON.stringify(host));
      const huge = await supervisor.requestDeviceService(target, 'shell:getprop', { maxBytes: 1024 * MB });
      assert.ok(!huge.ok && /output bound/.test(huge.end.message), JSON.stringify(huge));
      const narrow = supervisor.openDeviceStream(target, 'shell:getprop', { windowBytes: 1 });
      assert.match((await narrow.ended).message, /stream window/);
      const badId = await supervisor.requestDeviceService({ ...target, transportId: '1; reboot' }, 'shell:getprop');
      assert.ok(!badId.ok && /not a transport id/.test(badId.end.message), JSON.stringify(badId));
      await workerBackToIdle(watched);
    });
  });
});
