// Faults the watcher must survive for days inside every VS Code window, on the real worker bundle:
// a real adb server killed and restarted over and over, servers that are silent, slow, cut off or
// not adb at all, a worker that runs out of memory, and devices flapping many times a second.
// Each test asserts the outcome and a bound on what is left (sockets, snapshots, heap) and that
// nothing went unhandled; how fast the watcher recovers is the benchmark's figure (npm run bench).

import * as assert from 'node:assert/strict';
import { setTimeout as letTimePass } from 'node:timers/promises';
import * as v8 from 'node:v8';
import { inTurn } from '../../lab/adbHostClient';
import { createPoller, deviceIn, Harness, waitForSnapshot, waitForState } from '../../lab/pollerHarness';
import { RawTracker } from '../../lab/rawTracker';
import { activeHandles, connectionsTo } from '../../lab/resources';
import { waitUntil } from '../../lab/wait';
import { hookedWorker, sendLeak, workerHeapUsage } from '../../lab/workerHooks';
import { Snapshot } from '../../src/core/types';
import { startHttpServer, startSilentServer } from '../support/fakeServers';
import { HostileServer, startHalfReplyServer, startSlowServer } from '../support/hostileServer';
import { useLab } from '../support/labFixture';
import { useProblemSpy } from '../support/problemSpy';

// Workers created from now on get `gc()`, which the worker's test-heap hook calls before it
// measures: heap figures are then live data, not garbage waiting for a collection.
v8.setFlagsFromString('--expose-gc');

const MB = 1024 * 1024;
const serverOf = (snapshot: Snapshot) => snapshot.servers[0];

/** Samples `connectionsTo(port)` for `ms` (no event reports a socket opening): the most seen at once. */
async function peakConnectionsTo(port: number, ms: number): Promise<number> {
  let peak = 0;
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    peak = Math.max(peak, await connectionsTo(port));
    await letTimePass(25);
  }
  return peak;
}

describe('faults the watcher survives (real worker)', function () {
  this.timeout(60_000);
  let harness: Harness | undefined;

  useProblemSpy(
    () => harness,
    () => {
      harness = undefined;
    },
  );

  describe('the adb server killed and restarted while watching', () => {
    const fixture = useLab();

    it('goes unreachable and back to connected ten times, with nothing left behind', async () => {
      const { adb, lab } = fixture;
      await null; // mocha arms the test's own timer once the test returns its promise: count after it
      const handlesBefore = activeHandles();
      harness = createPoller({ servers: [adb.address], pollIntervalMs: 200, requestTimeoutMs: 1000 });
      const { supervisor } = harness;
      await supervisor.start();
      const sim = await lab.addDevice();
      const serial = await adb.connect(sim.port);
      await waitForSnapshot(supervisor, (s) => deviceIn(s, serial)?.state === 'device', 5000, 'the device');
      const connectionsBefore = await connectionsTo(adb.port);
      assert.ok(connectionsBefore >= 1 && connectionsBefore <= 2, `${connectionsBefore} connections while running`);

      for (let round = 0; round < 10; round++) {
        await adb.kill();
        const down = await waitForSnapshot(supervisor, (s) => serverOf(s).status === 'unreachable', 3000, `unreachable (round ${round})`);
        assert.match(serverOf(down).error ?? '', /connection refused|closed/);
        assert.equal(down.devices.length, 0, 'no devices shown for a server that is gone');
        // A different down time each round, so that retries land at different points of the backoff.
        await letTimePass(50 * round);
        await adb.restart();
        await waitForSnapshot(supervisor, (s) => serverOf(s).status === 'connected', 15_000, `connected again (round ${round})`);
      }
      assert.deepEqual(harness.states, ['starting', 'running'], 'the worker itself never failed');

      // The server forgot its TCP devices: attach again and the list is right.
      await adb.connect(sim.port);
      await waitForSnapshot(supervisor, (s) => deviceIn(s, serial)?.state === 'device', 5000, 'the device after the last restart');
      const connectionsAfter = await connectionsTo(adb.port);
      assert.ok(connectionsAfter <= 2, `${connectionsAfter} connections after ten restarts (${connectionsBefore} before)`);

      await supervisor.dispose();
      assert.equal(await connectionsTo(adb.port), 0, 'no connection after dispose');
      const handlesAfter = activeHandles();
      for (const kind of ['Timeout', 'MessagePort', 'TCPSocketWrap']) {
        assert.ok((handlesAfter[kind] ?? 0) <= (handlesBefore[kind] ?? 0), `${kind} left behind: ${JSON.stringify({ handlesBefore, handlesAfter })}`);
      }
      await adb.disconnect(serial);
    });
  });

  describe('servers that misbehave', () => {
    const TIMEOUT_MS = 500;
    const POLL_MS = 200;
    let closeFake: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await closeFake?.();
      closeFake = undefined;
    });

    async function watch(address: string): Promise<Harness> {
      harness = createPoller({ servers: [address], pollIntervalMs: POLL_MS, requestTimeoutMs: TIMEOUT_MS });
      await harness.supervisor.start();
      return harness;
    }

    /** Unreachable with `error` (for a mute server: the request timeout's), and never many sockets. */
    async function expectUnreachable(port: number, error: RegExp): Promise<void> {
      const down = await waitForSnapshot(harness!.supervisor, (s) => serverOf(s).status === 'unreachable', 10_000, 'unreachable');
      assert.match(serverOf(down).error ?? '', error);
      // Several poll intervals and reconnect rounds: no pile-up of sockets.
      const peak = await peakConnectionsTo(port, 8 * POLL_MS);
      assert.ok(peak <= 2, `${peak} connections open at once`);
      assert.equal(harness!.supervisor.state, 'running');
    }

    it('a server that accepts and never answers: timed out, bounded sockets', async () => {
      const silent = await startSilentServer();
      closeFake = () => silent.close();
      await watch(silent.address);
      await expectUnreachable(silent.port, new RegExp(`accepted the connection but did not answer within ${TIMEOUT_MS} ms`));
    });

    it('a server that is not adb (HTTP): said so, bounded sockets', async () => {
      const web = await startHttpServer();
      closeFake = () => web.close();
      await watch(web.address);
      await expectUnreachable(web.port, /is not an adb server \(it answered "HTTP/);
    });

    it('a server that sends half a reply and closes: said so, bounded sockets, and its retries back off', async () => {
      const half: HostileServer = await startHalfReplyServer();
      closeFake = () => half.close();
      await watch(half.address);
      await expectUnreachable(half.port, /closed the (connection mid-reply|device stream)/);
      assert.ok(half.peakConnections() <= 2, `${half.peakConnections()} connections at once`);
      // OKAY arrives every time, but no list ever does: the backoff is not reset by OKAY alone.
      const accepted = half.connectionCount();
      await letTimePass(2000);
      const perSecond = (half.connectionCount() - accepted) / 2;
      assert.ok(perSecond <= 2, `${perSecond} connections a second to a server that never gives a list`);
    });

    it('a server slower than the timeout: timed out, bounded sockets', async () => {
      const slow = await startSlowServer(TIMEOUT_MS * 4);
      closeFake = () => slow.close();
      await watch(slow.address);
      await expectUnreachable(slow.port, new RegExp(`did not answer within ${TIMEOUT_MS} ms`));
      assert.ok(slow.peakConnections() <= 2, `${slow.peakConnections()} connections at once`);
    });

    it('a server slower than usual but within the timeout: connected, devices listed, polls never overlap', async () => {
      const slow = await startSlowServer(TIMEOUT_MS / 2);
      closeFake = () => slow.close();
      await watch(slow.address);
      const snapshot = await waitForSnapshot(harness!.supervisor, (s) => serverOf(s).status === 'connected' && s.devices.length === 1, 5000, 'connected');
      assert.equal(snapshot.devices[0].serial, 'emulator-5554');
      slow.resetPeak();
      const polls = () => slow.requests.filter((r) => r === 'host:devices-l').length;
      const pollsBefore = polls();
      // No event says a poll arrived: watch the fake's request log.
      await waitUntil(() => polls() - pollsBefore >= 3, 15_000, 'three more polls');
      // One stream and at most one poll in flight; each poll waits for the last to finish.
      assert.ok(slow.peakConnections() <= 2, `${slow.peakConnections()} connections at once`);
      assert.equal(serverOf(harness!.supervisor.snapshot!).status, 'connected');
    });
  });

  describe('the worker itself failing', () => {
    it('runs out of memory: the heap cap turns it into a crash with the reason, and the host lives on', async () => {
      const hostHeapBefore = process.memoryUsage().heapUsed;
      harness = createPoller(
        { servers: ['127.0.0.1:1'] },
        { maxHeapMb: 32, ...hookedWorker({ allowLeak: true, reportHeap: true }), restartBudget: { crashes: 0, windowMs: 60_000 } },
      );
      const { supervisor } = harness;
      await supervisor.start();
      const started = performance.now();
      sendLeak(supervisor);
      await waitForState(supervisor, 'crashed', 20_000);
      const took = performance.now() - started;
      assert.deepEqual(harness.states, ['starting', 'running', 'crashed']);
      assert.match(supervisor.lastError ?? '', /memory limit|out of memory/i);
      assert.ok(harness.logs.some((line) => line.includes('ERR_WORKER_OUT_OF_MEMORY')), harness.logs.join('\n'));
      // The host's own heap took none of it, and the watcher starts again on a deliberate start.
      const hostGrowth = process.memoryUsage().heapUsed - hostHeapBefore;
      assert.ok(hostGrowth < 16 * MB, `host heap grew ${(hostGrowth / MB).toFixed(1)} MB`);
      await supervisor.start();
      assert.equal(supervisor.state, 'running');
      const memory = await workerHeapUsage(supervisor);
      assert.ok(memory.heapUsed < 16 * MB, `a fresh worker uses ${(memory.heapUsed / MB).toFixed(1)} MB`);
      console.log(`      worker hit its 32 MB heap cap ${took.toFixed(0)} ms after the leak started`);
      // The expected crash is not a failure of this test.
      harness.logs.length = 0;
    });
  });

  describe('devices flapping many times a second', () => {
    const fixture = useLab();

    it('coalesces snapshots, keeps the worker heap flat, and ends with the right list', async () => {
      const { adb, lab } = fixture;
      const COALESCE_MS = 50;
      const FLAP_FOR_MS = 4000;
      const FLAP_PAUSE_MS = 40;
      harness = createPoller({ servers: [adb.address], pollIntervalMs: 250, coalesceMs: COALESCE_MS }, hookedWorker({ reportHeap: true }));
      const { supervisor } = harness;
      await supervisor.start();
      const sims = await lab.addDevices(3);
      const serials: string[] = [];
      for (const sim of sims) serials.push(await adb.connect(sim.port));
      await waitForSnapshot(supervisor, (s) => serials.every((serial) => deviceIn(s, serial)?.details !== undefined), 10_000, 'three devices');
      const heapBefore = (await workerHeapUsage(supervisor)).heapUsed;
      const snapshotsBefore = harness.snapshots.length;

      // Each device: unplug, replug, reconnect (disconnect + connect). adb 29's server aborts
      // ("failed to unregister fd -1 with epoll") when it tears down one transport while another
      // is still connecting or going away, so one device changes at a time and each step waits
      // until adb has taken in the last: its push stream for an attach, its list for an unplug
      // (the push stream misses that for 60 s) and a detach (disconnect waits for it). Three devices still flap many times a second.
      const tracker = await RawTracker.open(adb.port);
      const oneAtATime = inTurn();
      const settled = async (waiting: Promise<number | undefined>, what: string) => {
        if ((await waiting) === undefined) throw new Error(`adb never showed ${what}`);
      };
      let flaps = 0;
      const heaps: number[] = [];
      const started = performance.now();
      const flapper = async (port: number, serial: string) => {
        while (performance.now() - started < FLAP_FOR_MS) {
          await oneAtATime(async () => {
            await settled(tracker.waitFor(serial, 'device', 5000), `${serial} attached`);
            await lab.unplug(port);
            await adb.waitForDevice(serial, 'offline', 5000);
            await lab.replug(port);
            await adb.disconnect(serial);
            await adb.connect(port);
          });
          flaps++;
          await letTimePass(FLAP_PAUSE_MS);
        }
      };
      const sampler = async () => {
        while (performance.now() - started < FLAP_FOR_MS) {
          await letTimePass(500);
          heaps.push((await workerHeapUsage(supervisor)).heapUsed);
        }
      };
      try {
        await Promise.all([...sims.map((sim, i) => flapper(sim.port, serials[i])), sampler()]);
      } finally {
        tracker.close();
      }
      const seconds = (performance.now() - started) / 1000;
      const snapshots = harness.snapshots.length - snapshotsBefore;

      // Every device is back: the final list is right, with details read again for the new transports.
      const final = await waitForSnapshot(
        supervisor,
        (s) => serials.every((serial) => deviceIn(s, serial)?.state === 'device' && deviceIn(s, serial)?.details !== undefined) && s.devices.length === 3,
        10_000,
        'all three devices back',
      );
      assert.equal(final.devices.length, 3);
      // Each flap is at least three changes adb reports (gone, offline, device) plus a details read.
      const changes = flaps * 3;
      const perSecond = snapshots / seconds;
      console.log(`      ${flaps} flaps (${(flaps / seconds).toFixed(0)}/s, >= ${changes} changes) -> ${snapshots} snapshots (${perSecond.toFixed(0)}/s); worker heap ${heaps.map((h) => (h / MB).toFixed(1)).join(' ')} MB`);
      assert.ok(flaps >= sims.length, `only ${flaps} flaps`);
      assert.ok(snapshots < changes, `${snapshots} snapshots for ${changes} changes: not coalesced`);
      // A token bucket: a burst of 8, then at most one snapshot per coalesceMs window (a timer
      // that fires a hair early spends its window rather than sending two).
      assert.ok(snapshots <= 8 + 1 + seconds * (1000 / COALESCE_MS), `${snapshots} snapshots in ${seconds.toFixed(1)} s`);
      const heapAfter = (await workerHeapUsage(supervisor)).heapUsed;
      assert.ok(heapAfter - heapBefore < 4 * MB, `worker heap ${(heapBefore / MB).toFixed(1)} -> ${(heapAfter / MB).toFixed(1)} MB`);
      assert.ok(Math.max(...heaps) < heapBefore + 16 * MB, `worker heap peaked at ${(Math.max(...heaps) / MB).toFixed(1)} MB`);
      assert.deepEqual(harness.states, ['starting', 'running']);
      for (const serial of serials) await adb.disconnect(serial);
    });
  });
});
