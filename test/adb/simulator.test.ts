// The device simulator against the real adb server: what a watcher will see from it.

import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SimulatedLab } from '../sim/labClient';
import { startHttpServer, startSilentServer } from './fakeServers';
import { adbAvailable, adbHostRequest, GONE, PrivateAdbServer } from './privateAdbServer';

/** Generous: only a stalled machine needs it. Deterministic outcomes are asserted exactly. */
const SETTLE_MS = 10_000;

describe('simulated devices on a real adb server', function () {
  let adb: PrivateAdbServer;
  let lab: SimulatedLab;

  before(async function () {
    if (!(await adbAvailable())) this.skip();
    [adb, lab] = await Promise.all([PrivateAdbServer.start(), SimulatedLab.start()]);
  });

  after(async function () {
    await Promise.all([lab?.close(), adb?.stop()]);
  });

  async function fieldsOf(serial: string): Promise<Record<string, string> | undefined> {
    return (await adb.devices()).find((line) => line.serial === serial)?.fields;
  }

  it('attaches a ready device, listed as `device` with the model and product of its banner', async function () {
    const device = await lab.addDevice({ properties: { 'ro.product.model': 'Sim Phone 1', 'ro.product.name': 'simphone' } });
    assert.equal(await adb.connect(device.port), device.serial);
    await adb.waitForDevice(device.serial, 'device', SETTLE_MS);
    const fields = await fieldsOf(device.serial);
    // adb lists the model with every character other than a letter or digit as `_`.
    assert.equal(fields?.model, 'Sim_Phone_1');
    assert.equal(fields?.product, 'simphone');
    assert.equal(fields?.device, device.properties['ro.product.device']);
  });

  it('shows an unauthorized device at once, and `device` after authorize()', async function () {
    const device = await lab.addDevice({ state: 'unauthorized' });
    await assert.rejects(adb.connect(device.port), /failed to authenticate to /);
    assert.equal((await adb.devices()).find((line) => line.serial === device.serial)?.state, 'unauthorized');

    await lab.authorize(device.port);
    await adb.waitForDevice(device.serial, 'device', SETTLE_MS);
    assert.equal((await fieldsOf(device.serial))?.model, device.properties['ro.product.model'].replace(/[^A-Za-z0-9]/g, '_'));
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

  it('shows an unplugged device offline (or gone) within 1 s', async function () {
    const device = await lab.addDevice();
    await adb.connect(device.port);
    await adb.waitForDevice(device.serial, 'device', SETTLE_MS);
    await lab.unplug(device.port);
    await adb.waitForDevice(device.serial, ['offline', GONE], 1_000);
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
    assert.equal((await adb.devices()).find((line) => line.serial === device.serial)?.state, 'offline');

    assert.equal(await adb.reconnect(device.port), device.serial);
    await adb.waitForDevice(device.serial, 'device', SETTLE_MS);
  });

  it('applies setState() on the next connection only', async function () {
    const device = await lab.addDevice();
    await adb.connect(device.port);
    await adb.waitForDevice(device.serial, 'device', SETTLE_MS);
    await lab.setState(device.port, 'unauthorized');
    assert.equal((await adb.devices()).find((line) => line.serial === device.serial)?.state, 'device');

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

  it('forgets TCP devices when the server restarts', async function () {
    const device = await lab.addDevice();
    await adb.connect(device.port);
    await adb.restart();
    assert.deepEqual(await adb.devices(), []);
  });
});

describe('test harness', function () {
  it('refuses to use a port where something else already answers', async function () {
    const silent = await startSilentServer();
    try {
      await assert.rejects(PrivateAdbServer.start({ port: silent.port }), /refusing/);
    } finally {
      await silent.close();
    }
  });

  it('fails clearly against a silent server and an HTTP server', async function () {
    const [silent, web] = await Promise.all([startSilentServer(), startHttpServer()]);
    try {
      await assert.rejects(adbHostRequest(silent.port, 'host:version', { timeoutMs: 300 }), /no answer to host:version after 300 ms/);
      await assert.rejects(adbHostRequest(web.port, 'host:version'), /unexpected reply "HTTP"/);
      assert.equal(silent.connectionCount(), 1);
      assert.equal(web.connectionCount(), 1);
    } finally {
      await Promise.all([silent.close(), web.close()]);
    }
  });

  it('lab process dies when its parent dies', async function () {
    const labClient = path.join(__dirname, '..', 'sim', 'labClient.js');
    const parent = startNodeScript(`require(${JSON.stringify(labClient)}).SimulatedLab.start().then((lab) => console.log(lab.pid))`);
    const labPid = Number(await parent.firstLine);
    assert.ok(await isRunning(labPid), 'lab process should run while its parent lives');
    parent.child.kill('SIGKILL');
    await parent.exited;
    const deadline = Date.now() + SETTLE_MS;
    while (await isRunning(labPid)) {
      assert.ok(Date.now() < deadline, `lab process ${labPid} outlived its parent`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  it('kills a private adb server its process exits without stopping', async function () {
    if (!(await adbAvailable())) this.skip();
    const module = path.join(__dirname, 'privateAdbServer.js');
    const owner = startNodeScript(
      `require(${JSON.stringify(module)}).PrivateAdbServer.start().then((adb) => { console.log(JSON.stringify([adb.port, adb.home])); process.exit(0); })`,
    );
    const [port, home] = JSON.parse(await owner.firstLine) as [number, string];
    assert.equal(await owner.exited, 0);
    await assert.rejects(adbHostRequest(port, 'host:version', { timeoutMs: SETTLE_MS }), /ECONNREFUSED/);
    await assert.rejects(fs.access(home));
  });
});

/** A node process running `code`; `firstLine` is the first line it prints. */
function startNodeScript(code: string): { child: ChildProcess; firstLine: Promise<string>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().split('\n')[0]));
    void exited.then((code) => reject(new Error(`script exited (code ${code}) before printing`)));
  });
  return { child, firstLine, exited };
}

/** Alive and not a zombie (an orphan may wait for a reaper that a container does not have). */
async function isRunning(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}
