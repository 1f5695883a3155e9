// What the poller sees, through the real worker, a real adb server and simulated devices that
// speak the device side of the adb protocol.

import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ADB_BIN, PrivateAdbServer } from '../../lab/adbServerProcess';
import { createPoller, deviceIn, Harness, waitForSnapshot } from '../../lab/pollerHarness';
import { findFreePort } from '../../lab/ports';
import { SimulatedLab } from '../../lab/sim/labClient';
import { Snapshot } from '../../src/core/types';
import { startHttpServer, startSilentServer } from '../support/fakeServers';
import { useLab } from '../support/labFixture';

const POLL_MS = 300;

describe('device poller (real adb server, simulated devices)', function () {
  const fixture = useLab();
  let adb: PrivateAdbServer;
  let lab: SimulatedLab;
  let harness: Harness | undefined;

  before(() => {
    ({ adb, lab } = fixture);
  });
  afterEach(async () => {
    await harness?.supervisor.dispose();
    harness = undefined;
  });

  async function watch(servers = [adb.address]): Promise<Harness> {
    harness = createPoller({ servers, pollIntervalMs: POLL_MS });
    await harness.supervisor.start();
    await waitForSnapshot(harness.supervisor, (s) => s.servers.every((server) => server.status !== 'connecting'), 5000, 'servers settled');
    return harness;
  }

  const stateOf = (snapshot: Snapshot, serial: string) => deviceIn(snapshot, serial)?.state;

  it('shows an attached device with its banner fields, then its details, read exactly once', async () => {
    const { supervisor } = await watch();
    const sim = await lab.addDevice({ model: 'Pixel_8', product: 'shiba_sim', device: 'shiba' });
    const serial = await adb.connect(sim.port);
    const snapshot = await waitForSnapshot(supervisor, (s) => deviceIn(s, serial)?.details !== undefined, 5000, 'details');
    const device = deviceIn(snapshot, serial)!;
    assert.equal(device.state, 'device');
    assert.equal(device.connection, 'tcp');
    assert.equal(device.model, 'Pixel_8');
    assert.equal(device.product, 'shiba_sim');
    assert.equal(device.id, `${adb.address}/${serial}`);
    assert.ok(device.transportId);
    assert.deepEqual(device.details, {
      manufacturer: sim.properties['ro.product.manufacturer'],
      model: sim.properties['ro.product.model'],
      androidRelease: sim.properties['ro.build.version.release'],
      sdkLevel: Number(sim.properties['ro.build.version.sdk']),
      abi: sim.properties['ro.product.cpu.abi'],
    });
    // Several polls later, still one read.
    const seq = snapshot.seq;
    await adb.connect((await lab.addDevice()).port); // another change, to be sure the poller went on working
    await waitForSnapshot(supervisor, (s) => s.seq > seq + 1 || s.devices.length > snapshot.devices.length, 5000);
    assert.equal(await lab.getpropCount(sim.port), 1);
    await adb.disconnect(serial);
  });

  it('reports added / removed / changed only for real changes', async () => {
    const { supervisor } = await watch();
    const sim = await lab.addDevice();
    const serial = await adb.connect(sim.port);
    const updates: { added: string[]; removed: string[]; changed: string[] }[] = [];
    supervisor.onDidChangeDevices(({ changes }) =>
      updates.push({
        added: changes.added.map((d) => d.serial),
        removed: changes.removed.map((d) => d.serial),
        changed: changes.changed.map((d) => d.serial),
      }),
    );
    await waitForSnapshot(supervisor, (s) => deviceIn(s, serial)?.details !== undefined, 5000);
    await adb.disconnect(serial);
    await waitForSnapshot(supervisor, (s) => !deviceIn(s, serial), 5000, 'device removed');
    const forSerial = updates.filter((u) => [...u.added, ...u.removed, ...u.changed].includes(serial));
    assert.ok(forSerial.length >= 1);
    assert.ok(forSerial.at(-1)!.removed.includes(serial));
    // Several polls happened in between; none of them produced a snapshot with nothing new.
    const emptyUpdates = harness!.snapshots.filter((s, i, all) => i > 0 && JSON.stringify(s.devices) === JSON.stringify(all[i - 1].devices) && JSON.stringify(s.servers) === JSON.stringify(all[i - 1].servers));
    assert.equal(emptyUpdates.length, 0, 'a snapshot with nothing new was sent');
  });

  // How soon is the benchmark's figure ("TCP device vanishes"); here: that the poll sees it at all.
  it('sees an unplugged TCP device through its poll (the push stream alone waits 60 s)', async () => {
    const { supervisor } = await watch();
    const sim = await lab.addDevice();
    const serial = await adb.connect(sim.port);
    await waitForSnapshot(supervisor, (s) => stateOf(s, serial) === 'device', 5000);
    await lab.unplug(sim.port);
    // Well inside the 60 s the push stream alone would take.
    await waitForSnapshot(supervisor, (s) => stateOf(s, serial) !== 'device', 10_000, 'device gone or offline');
    await adb.disconnect(serial);
  });

  it('follows unauthorized -> device (which the push stream does not report)', async () => {
    const { supervisor } = await watch();
    const sim = await lab.addDevice({ state: 'unauthorized' });
    const serial = `127.0.0.1:${sim.port}`;
    // adb answers "failed to authenticate" for a device waiting for the user's tap, yet lists it.
    await adb.connect(sim.port).catch(() => undefined);
    await waitForSnapshot(supervisor, (s) => stateOf(s, serial) === 'unauthorized', 5000, 'unauthorized');
    await lab.authorize(sim.port);
    const snapshot = await waitForSnapshot(supervisor, (s) => deviceIn(s, serial)?.details !== undefined, 5000, 'authorized');
    assert.equal(stateOf(snapshot, serial), 'device');
    await adb.disconnect(serial);
  });

  it('keeps every state: offline, recovery, bootloader', async () => {
    const { supervisor } = await watch();
    const serials = new Map<string, string>();
    for (const state of ['recovery', 'bootloader'] as const) {
      serials.set(state, await adb.connect((await lab.addDevice({ state })).port));
    }
    const offline = await lab.addDevice({ state: 'offline' });
    // adb's connect to a device that never answers blocks ~10 s; the list shows it at once.
    void adb.connect(offline.port).catch(() => undefined);
    const offlineSerial = `127.0.0.1:${offline.port}`;
    const snapshot = await waitForSnapshot(
      supervisor,
      (s) => stateOf(s, serials.get('recovery')!) === 'recovery' && stateOf(s, serials.get('bootloader')!) === 'bootloader' && stateOf(s, offlineSerial) === 'offline',
      15_000,
      'every state',
    );
    assert.ok(snapshot);
    for (const serial of [...serials.values(), offlineSerial]) {
      await adb.disconnect(serial).catch(() => undefined);
    }
  });

  it('reads details again only when a device comes back with a new transport id', async () => {
    const { supervisor } = await watch();
    const sim = await lab.addDevice();
    const serial = await adb.connect(sim.port);
    const first = await waitForSnapshot(supervisor, (s) => deviceIn(s, serial)?.details !== undefined, 5000);
    const firstTransport = deviceIn(first, serial)!.transportId;
    await adb.disconnect(serial);
    await waitForSnapshot(supervisor, (s) => !deviceIn(s, serial), 5000);
    await adb.connect(sim.port);
    const second = await waitForSnapshot(
      supervisor,
      (s) => deviceIn(s, serial)?.details !== undefined && deviceIn(s, serial)?.transportId !== firstTransport,
      5000,
    );
    assert.ok(second);
    assert.equal(await lab.getpropCount(sim.port), 2);
    await adb.disconnect(serial);
  });

  it('watches two adb servers at once, with devices kept apart by server', async () => {
    const second = await PrivateAdbServer.start();
    try {
      const { supervisor } = await watch([adb.address, second.address]);
      const sim = await lab.addDevice();
      // The same device attached to both servers is two entries, one per server.
      const serial = await adb.connect(sim.port);
      await second.connect(sim.port);
      const snapshot = await waitForSnapshot(
        supervisor,
        (s) => !!deviceIn(s, serial, adb.address) && !!deviceIn(s, serial, second.address),
        5000,
        'the device on both servers',
      );
      assert.deepEqual(snapshot.servers.map((s) => [s.address, s.status]), [
        [adb.address, 'connected'],
        [second.address, 'connected'],
      ]);
      await adb.disconnect(serial);
    } finally {
      await second.stop();
    }
  });

  it('survives the adb server being killed and restarted while watching', async () => {
    const own = await PrivateAdbServer.start();
    try {
      const { supervisor } = await watch([own.address]);
      const sim = await lab.addDevice();
      const serial = await own.connect(sim.port);
      await waitForSnapshot(supervisor, (s) => stateOf(s, serial) === 'device', 5000);
      await own.kill();
      const down = await waitForSnapshot(supervisor, (s) => s.servers[0].status === 'unreachable', 5000, 'server unreachable');
      assert.match(down.servers[0].error ?? '', /connection refused|closed/);
      assert.equal(deviceIn(down, serial), undefined, 'no devices are shown for a server that is gone');
      await own.restart();
      await waitForSnapshot(supervisor, (s) => s.servers[0].status === 'connected', 10_000, 'reconnected');
      // A restarted server forgets TCP devices; attach again and it is seen.
      await own.connect(sim.port);
      await waitForSnapshot(supervisor, (s) => stateOf(s, serial) === 'device', 5000, 'device after restart');
    } finally {
      await own.stop();
    }
  });

  it('connects and disconnects a Wi-Fi (TCP) device on request, and reports a failed connect', async () => {
    const { supervisor } = await watch();
    const sim = await lab.addDevice();
    const serial = `127.0.0.1:${sim.port}`;
    const connected = await supervisor.runAdbCommand({ kind: 'connect', server: adb.address, address: serial });
    assert.deepEqual(connected, { ok: true, message: `connected to ${serial}` });
    await waitForSnapshot(supervisor, (s) => deviceIn(s, serial)?.state === 'device', 5000, 'connected device');
    const disconnected = await supervisor.runAdbCommand({ kind: 'disconnect', server: adb.address, serial });
    assert.equal(disconnected.ok, true, disconnected.message);
    await waitForSnapshot(supervisor, (s) => !deviceIn(s, serial), 5000, 'device gone');
    const nobody = await findFreePort();
    const failed = await supervisor.runAdbCommand({ kind: 'connect', server: adb.address, address: `127.0.0.1:${nobody}` });
    assert.equal(failed.ok, false);
    assert.match(failed.message, /failed to connect|cannot connect/);
    const unknown = await supervisor.runAdbCommand({ kind: 'connect', server: '127.0.0.1:1', address: serial });
    assert.deepEqual(unknown, { ok: false, message: 'not watching an adb server at 127.0.0.1:1' });
  });

  it('says why a server is unreachable: nothing listening, not adb, silent', async () => {
    const [http, silent, freePort] = await Promise.all([startHttpServer(), startSilentServer(), findFreePort()]);
    try {
      harness = createPoller({ servers: [`127.0.0.1:${freePort}`, http.address, silent.address], requestTimeoutMs: 500 });
      await harness.supervisor.start();
      const snapshot = await waitForSnapshot(harness.supervisor, (s) => s.servers.every((server) => server.status === 'unreachable'), 5000);
      const [refused, notAdb, mute] = snapshot.servers.map((s) => s.error ?? '');
      assert.match(refused, /no adb server at 127\.0\.0\.1:\d+ \(connection refused\)/);
      assert.match(notAdb, /is not an adb server/);
      assert.match(mute, /did not answer within 500 ms/);
    } finally {
      await Promise.all([http.close(), silent.close()]);
    }
  });

  it('says so when adb is missing and starting the server is allowed', async () => {
    const freePort = await findFreePort();
    harness = createPoller({ servers: [`127.0.0.1:${freePort}`], startServer: true, adbPath: path.join(os.tmpdir(), 'no-such-dir', 'adb') });
    await harness.supervisor.start();
    const snapshot = await waitForSnapshot(harness.supervisor, (s) => s.servers[0].status === 'unreachable', 5000);
    assert.match(snapshot.servers[0].error ?? '', /adb executable not found/);
  });

  it('starts the adb server itself when allowed, and only then', async () => {
    const freePort = await findFreePort();
    const home = await fs.mkdtemp(path.join(os.tmpdir(), 'adb-autostart-'));
    const savedHome = process.env.HOME;
    // The worker copies this process's environment when it is created.
    process.env.HOME = home;
    try {
      harness = createPoller({ servers: [`127.0.0.1:${freePort}`], startServer: true, adbPath: ADB_BIN });
      await harness.supervisor.start();
      const snapshot = await waitForSnapshot(harness.supervisor, (s) => s.servers[0].status === 'connected', 10_000, 'started server');
      assert.equal(snapshot.servers[0].status, 'connected');
    } finally {
      process.env.HOME = savedHome;
      await harness?.supervisor.dispose();
      harness = undefined;
      await PrivateAdbServer.adopt(freePort, home).stop();
    }
  });
});
