// The device simulator against the real adb server: what a watcher will see from it.

import * as assert from 'node:assert/strict';
import { GONE } from '../../lab/adbHostClient';
import { spawn } from 'node:child_process';
import { ADB_BIN, PrivateAdbServer } from '../../lab/adbServerProcess';
import { SimulatedLab } from '../../lab/sim/labClient';
import { Device } from '../../src/core/types';
import { useLab } from '../support/labFixture';

/** Generous: only a stalled machine needs it. Deterministic outcomes are asserted exactly. */
const SETTLE_MS = 10_000;

describe('simulated devices on a real adb server', function () {
  const fixture = useLab();
  let adb: PrivateAdbServer;
  let lab: SimulatedLab;

  before(() => {
    ({ adb, lab } = fixture);
  });

  async function listed(serial: string): Promise<Device | undefined> {
    return (await adb.devices()).find((device) => device.serial === serial);
  }

  it('attaches a ready device, listed as `device` with the model and product of its banner', async function () {
    const device = await lab.addDevice({ properties: { 'ro.product.model': 'Sim Phone 1', 'ro.product.name': 'simphone' } });
    assert.equal(await adb.connect(device.port), device.serial);
    await adb.waitForDevice(device.serial, 'device', SETTLE_MS);
    const shown = await listed(device.serial);
    // adb lists the model with every character other than a letter or digit as `_`.
    assert.equal(shown?.model, 'Sim_Phone_1');
    assert.equal(shown?.product, 'simphone');
    assert.equal(shown?.device, device.properties['ro.product.device']);
  });

  it('shows an unauthorized device at once, and `device` after authorize()', async function () {
    const device = await lab.addDevice({ state: 'unauthorized' });
    await assert.rejects(adb.connect(device.port), /failed to authenticate to /);
    assert.equal((await listed(device.serial))?.state, 'unauthorized');

    await lab.authorize(device.port);
    await adb.waitForDevice(device.serial, 'device', SETTLE_MS);
    assert.equal((await listed(device.serial))?.model, device.properties['ro.product.model'].replace(/[^A-Za-z0-9]/g, '_'));
  });

  it('shows a device that accepts TCP but never answers as `offline`', async function () {
    const device = await lab.addDevice({ state: 'offline' });
    // adb holds this request for its ~10 s handshake timeout; disconnecting ends it early.
    const pendingConnect = adb.hostRequest(`host:connect:${device.serial}`);
    await adb.waitForDevice(device.serial, 'offline', SETTLE_MS);
    await adb.disconnect(device.serial);
    assert.match(await pendingConnect, /^failed to connect to /);
    assert.equal(await adb.waitForDevice(device.serial, GONE, SETTLE_MS), GONE);
  });

  for (const state of ['recovery', 'bootloader', 'sideload', 'rescue'] as const) {
    it(`lists a device in ${state} as \`${state}\``, async function () {
      const device = await lab.addDevice({ state });
      await adb.connect(device.port);
      await adb.waitForDevice(device.serial, state, SETTLE_MS);
    });
  }

  it('shows an unplugged device offline (or gone) in its list', async function () {
    const device = await lab.addDevice();
    await adb.connect(device.port);
    await adb.waitForDevice(device.serial, 'device', SETTLE_MS);
    await lab.unplug(device.port);
    await adb.waitForDevice(device.serial, ['offline', GONE], SETTLE_MS);
  });

  it('brings a replugged device back on reconnect; a plain connect is a no-op while adb holds it offline', async function () {
    const device = await lab.addDevice();
    await adb.connect(device.port);
    await adb.waitForDevice(device.serial, 'device', SETTLE_MS);
    await lab.unplug(device.port);
    await adb.waitForDevice(device.serial, 'offline', SETTLE_MS);
    await lab.replug(device.port);

    // adb keeps the vanished transport and retries it by itself only ~10 s later.
    assert.match(await adb.hostRequest(`host:connect:${device.serial}`), /^already connected to /);
    assert.equal((await listed(device.serial))?.state, 'offline');

    assert.equal(await adb.reconnect(device.port), device.serial);
    await adb.waitForDevice(device.serial, 'device', SETTLE_MS);
  });

  it('applies setState() on the next connection only', async function () {
    const device = await lab.addDevice();
    await adb.connect(device.port);
    await adb.waitForDevice(device.serial, 'device', SETTLE_MS);
    await lab.setState(device.port, 'unauthorized');
    assert.equal((await listed(device.serial))?.state, 'device');

    await adb.disconnect(device.serial);
    assert.match(await adb.hostRequest(`host:connect:${device.serial}`), /^failed to authenticate to /);
    await adb.waitForDevice(device.serial, 'unauthorized', SETTLE_MS);
  });

  it('attaches 20 devices in quick succession, with varied makes', async function () {
    const devices = await lab.addDevices(20);
    assert.equal(new Set(devices.map((device) => device.port)).size, 20);
    // One connect after another: adb 29's server crashes (SIGSEGV) now and then on 20 at once.
    for (const device of devices) await adb.connect(device.port);
    await adb.waitForDevices(devices.map((device) => device.serial), 'device', SETTLE_MS);
    const manufacturers = new Set(devices.map((device) => device.properties['ro.product.manufacturer']));
    const releases = new Set(devices.map((device) => device.properties['ro.build.version.release']));
    assert.ok(manufacturers.size >= 5, `only ${manufacturers.size} makes`);
    assert.ok(releases.size >= 5, `only ${releases.size} Android versions`);
    await Promise.all(devices.map((device) => adb.disconnect(device.serial)));
  });

  it('answers getprop through the adb CLI (shell v2) and raw shell, counting each stream', async function () {
    const device = await lab.addDevice();
    await adb.connect(device.port);
    await adb.waitForDevice(device.serial, 'device', SETTLE_MS);
    assert.equal(await lab.getpropCount(device.port), 0);

    const { stdout } = await adb.runAdb(['-s', device.serial, 'shell', 'getprop', 'ro.product.model']);
    assert.equal(stdout, `${device.properties['ro.product.model']}\n`);
    assert.equal(await lab.getpropCount(device.port), 1);

    const listing = await adb.shell(device.serial, 'getprop');
    for (const [name, value] of Object.entries(device.properties)) assert.ok(listing.includes(`[${name}]: [${value}]\n`), name);
    assert.equal(await lab.getpropCount(device.port), 2);

    assert.equal(await adb.shell(device.serial, 'getprop no.such.property'), '\n');
    assert.equal(await lab.getpropCount(device.port), 3);
  });

  it('closes the stream of a service the device does not offer', async function () {
    const device = await lab.addDevice();
    await adb.connect(device.port);
    await adb.waitForDevice(device.serial, 'device', SETTLE_MS);
    await assert.rejects(adb.runAdb(['-s', device.serial, 'shell', 'reboot']));
    assert.equal(await lab.getpropCount(device.port), 0);
  });

  it('passes the host input to a service: `adb shell cat` echoes its stdin and exits when stdin ends', async function () {
    const device = await lab.addDevice();
    await adb.connect(device.port);
    await adb.waitForDevice(device.serial, 'device', SETTLE_MS);
    const input = Buffer.from(Array.from({ length: 300_000 }, (_, k) => k % 251));
    const child = spawn(ADB_BIN, ['-P', String(adb.port), '-s', device.serial, 'shell', 'cat'], { env: adb.env });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdin.end(input);
    assert.equal(await exited, 0);
    assert.ok(Buffer.concat(output).equals(input), 'the bytes came back as they went');
    assert.equal(await lab.openStreams(device.port), 0);
  });

  it('forgets TCP devices when the server restarts', async function () {
    const device = await lab.addDevice();
    await adb.connect(device.port);
    await adb.restart();
    assert.deepEqual(await adb.devices(), []);
  });
});
