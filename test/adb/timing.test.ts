// Real-world timing, on the real worker and a real adb server of its own: a server counts as
// connected only once its list is in, a broken server does not flap, one slow poll does not drop
// a healthy server, and stop / pause leave nothing running while a request is in flight.
// The slow and wedged replies come from a named fake proxy (adbProxy.ts) in front of the real
// server; the broken servers are the named fakes of hostileServer.ts / fakeServers.ts.

import * as assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { AdbProxy } from '../../lab/adbProxy';
import { setTimeout as letTimePass } from 'node:timers/promises';
import { createPoller, deviceIn, Harness, waitForSnapshot, WORKER_SCRIPT } from '../../lab/pollerHarness';
import { waitUntil } from '../../lab/wait';
import { startHttpServer } from '../support/fakeServers';
import { deviceLine, HostileServer, startHostileServer } from '../support/hostileServer';
import { useLab } from '../support/labFixture';
import { useProblemSpy } from '../support/problemSpy';
import { ResourceTracker } from '../support/resourceTracker';
import { DevicePoller } from '../../src/devices/worker/devicePoller';
import { WorkerData, WorkerMessage } from '../../src/poller/protocol';
import { DEFAULT_POLLER_CONFIG, PollerConfig, ServerState, Snapshot } from '../../src/core/types';

const serverOf = (snapshot: Snapshot): ServerState => snapshot.servers[0];

describe('timing against a real adb server (real worker)', function () {
  this.timeout(30_000);
  const fixture = useLab();
  let serial: string;
  let proxy: AdbProxy | undefined;
  let harness: Harness | undefined;

  before(async () => {
    serial = (await fixture.attach()).serial;
    await fixture.adb.waitForDevice(serial, 'device', 5000);
  });
  beforeEach(async () => {
    proxy = await AdbProxy.start(fixture.adb.port);
  });
  useProblemSpy(
    () => harness,
    async () => {
      harness = undefined;
      await proxy?.close();
      proxy = undefined;
    },
  );

  it('shows a server connected only with its first list: the status and the devices in the same, first snapshot', async () => {
    proxy!.plan = (service) => (service === 'host:track-devices-l' ? 'okay-only' : 'pass');
    const okay = new Promise<void>((resolve) => proxy!.once('okay', () => resolve()));
    harness = createPoller({ servers: [proxy!.address], pollIntervalMs: 200, requestTimeoutMs: 5000 });
    await harness.supervisor.start();
    await okay;
    // No event says the worker has read the OKAY: give it time to publish what it must not.
    await letTimePass(300);
    assert.deepEqual(harness.snapshots, [], 'nothing is published before the first list');
    proxy!.release();
    const first = await waitForSnapshot(harness.supervisor, () => true, 5000, 'the first snapshot');
    assert.equal(serverOf(first).status, 'connected');
    assert.equal(deviceIn(first, serial)?.state, 'device');
    assert.equal(harness.snapshots[0], first, 'the first snapshot of all');
  });

  it('keeps a healthy server and its devices while its polls time out, says so once, and follows pushes meanwhile', async () => {
    // Room for the push stream's first list on a loaded machine; each held poll costs this much.
    const TIMEOUT_MS = 600;
    harness = createPoller({ servers: [proxy!.address], pollIntervalMs: 100, requestTimeoutMs: TIMEOUT_MS });
    await harness.supervisor.start();
    await waitForSnapshot(harness.supervisor, (s) => deviceIn(s, serial)?.state === 'device', 5000, 'the device');
    proxy!.plan = (service) => (service === 'host:devices-l' ? 'hold' : 'pass');
    const held = proxy!.requests.filter((r) => r === 'host:devices-l').length;
    // Each poll is sent after the last one ran out of its deadline: three in a row have.
    await proxy!.requestCount('host:devices-l', held + 4, 10_000);
    // The push stream still works: a device attached now is seen through it.
    const second = await fixture.adb.connect((await fixture.lab.addDevice()).port);
    await waitForSnapshot(harness.supervisor, (s) => deviceIn(s, second)?.state === 'device', 5000, 'a device pushed while polls hang');
    proxy!.plan = () => 'pass';
    await waitUntil(() => harness!.logs.some((text) => text.endsWith('answers polls again')), 5000, 'polls answered again');
    for (const snapshot of harness.snapshots) {
      assert.equal(serverOf(snapshot).status, 'connected', JSON.stringify(snapshot.servers));
      assert.ok(deviceIn(snapshot, serial), 'the first device stayed listed');
    }
    const warnings = harness.logs.filter((text) => text.includes(`did not answer within ${TIMEOUT_MS} ms; its device stream is open`));
    assert.equal(warnings.length, 1, harness.logs.join('\n'));
    await fixture.adb.disconnect(second);
  });

  describe('a broken server does not flap', () => {
    let fake: HostileServer | undefined;
    afterEach(async () => {
      await fake?.close();
      fake = undefined;
    });

    const devices = `${deviceLine('emulator-5554', 'device', { transport_id: '1' })}\n`;
    for (const { name, framing } of [
      { name: 'a reply that never ends', framing: 'trickle' as const },
      { name: 'OKAY, then half a list and close', framing: 'half-then-close' as const },
    ]) {
      it(`stays unreachable with its reason through reconnect attempts against ${name}, and is connected once a list arrives`, async () => {
        fake = await startHostileServer({ devices, listFraming: framing, trickleMs: 20 });
        harness = createPoller({ servers: [fake.address], pollIntervalMs: 100, requestTimeoutMs: 300 });
        await harness.supervisor.start();
        // Four attempts (backoff 250 ms, 500 ms, 1 s between them).
        await waitUntil(() => fake!.connectionCount() >= 4, 10_000, 'four connection attempts');
        const statuses = harness.snapshots.map((s) => serverOf(s).status);
        assert.deepEqual([...new Set(statuses)], ['unreachable'], `statuses: ${statuses.join(' -> ')}`);
        const down = harness.snapshots.at(-1)!;
        assert.ok(serverOf(down).error && serverOf(down).problem, JSON.stringify(serverOf(down)));
        fake.setScenario({ devices });
        const up = await waitForSnapshot(harness.supervisor, (s) => serverOf(s).status === 'connected', 10_000, 'connected');
        assert.ok(deviceIn(up, 'emulator-5554'), 'connected with its list in the same snapshot');
        assert.equal(serverOf(up).problem, undefined);
      });
    }

    it('stays unreachable against a server that talks HTTP', async () => {
      const web = await startHttpServer();
      try {
        harness = createPoller({ servers: [web.address], pollIntervalMs: 100, requestTimeoutMs: 300 });
        await harness.supervisor.start();
        await waitUntil(() => web.connectionCount() >= 3, 10_000, 'three connection attempts');
        const statuses = harness.snapshots.map((s) => serverOf(s).status);
        assert.deepEqual([...new Set(statuses)], ['unreachable'], `statuses: ${statuses.join(' -> ')}`);
        assert.equal(serverOf(harness.snapshots.at(-1)!).problem, 'not-adb');
      } finally {
        await web.close();
      }
    });
  });

  describe('stop and pause with a request in flight', () => {
    it('the worker thread ends on its own after stop, long before the deadline of the poll it had in flight', async () => {
      proxy!.plan = (service) => (service === 'host:devices-l' ? 'hold' : 'pass');
      const config: PollerConfig = { ...DEFAULT_POLLER_CONFIG, servers: [proxy!.address], adbPath: '/bin/false', pollIntervalMs: 50, requestTimeoutMs: 20_000 };
      const worker = new Worker(WORKER_SCRIPT, { workerData: { config } satisfies WorkerData });
      const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
      const messages: WorkerMessage['type'][] = [];
      worker.on('message', (message: WorkerMessage) => messages.push(message.type));
      try {
        await proxy!.requestCount('host:devices-l', 1, 10_000);
        worker.postMessage({ type: 'stop' });
        // Far below the poll's 20 s deadline: a timer or socket left behind would hold the thread that long.
        let timer: NodeJS.Timeout | undefined;
        const ended = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 5000)))]);
        clearTimeout(timer);
        assert.ok(ended, 'the worker thread did not end on its own');
        assert.equal(await exited, 0);
        assert.equal(messages.at(-1), 'stopped');
        assert.ok(messages.includes('snapshot'), 'it was watching');
      } finally {
        await worker.terminate();
      }
    });

    for (const how of ['pause', 'stop'] as const) {
      it(`${how} leaves no connection and no timer behind (DevicePoller in-process, a poll held by the proxy)`, async () => {
        proxy!.plan = (service) => (service === 'host:devices-l' ? 'hold' : 'pass');
        const watch = ResourceTracker.start();
        let poller: DevicePoller | undefined;
        try {
          const snapshots: Snapshot[] = [];
          poller = new DevicePoller(
            { ...DEFAULT_POLLER_CONFIG, servers: [proxy!.address], adbPath: '/bin/false', pollIntervalMs: 50, requestTimeoutMs: 20_000 },
            { snapshot: (snapshot) => snapshots.push(snapshot), log: () => undefined },
          );
          poller.start();
          await proxy!.requestCount('host:devices-l', 1, 10_000);
          poller[how]();
          await watch.untilNoneAlive(3000);
          await waitUntil(() => proxy!.openConnections() === 0, 3000, 'the proxy to see every connection closed');
          assert.ok(snapshots.some((s) => deviceIn(s, serial)), 'it was watching');
        } finally {
          poller?.stop();
          watch.stop();
        }
      });
    }
  });
});
