// Starting and stopping emulators by where they run (src/emulators/model/emulatorControl.ts), with the
// simulated emulator against real adb servers: one of this machine (watched on 127.0.0.1), and one
// reached by this machine's host name (loopback, but not a name the watcher takes for this
// machine), standing for another machine's server (a remote one, or one forwarded from there).

import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AdbProxy } from '../../lab/adbProxy';
import { createPoller, deviceIn, Harness, waitForSnapshot } from '../../lab/pollerHarness';
import { anotherMachineStandIn } from '../../lab/ports';
import { createSimulatedSdk, SimulatedSdk, writeAvd } from '../../lab/sim/avds';
import { waitUntil } from '../../lab/wait';
import { registerEmulator, SIMULATOR_MODE_FILE } from '../../lab/sim/emulator';
import { EmulatorControl, LaunchOutcome } from '../../src/emulators/model/emulatorControl';
import { freeConsolePort } from '../../src/emulators/model/emulatorLauncher';
import { Device } from '../../src/core/types';
import { useLab } from '../support/labFixture';
import { StartedHere } from '../support/started';

const PIXEL = 'Pixel_8_API_34';
const TABLET = 'Tablet_API_30';

describe('emulators started and stopped by where they run (real adb servers)', function () {
  this.timeout(60_000);
  // This machine's adb server, and another "machine"'s, reached by this machine's host name.
  const local = useLab();
  const other = useLab();
  const here = new StartedHere();
  let sdk: SimulatedSdk;
  let otherAvdHome: string;
  let otherAddress: string;
  let harness: Harness | undefined;
  const remotes: ChildProcess[] = [];

  before(async () => {
    const host = await anotherMachineStandIn();
    if (!host) throw new Error('this test needs a name of this machine that resolves to loopback only (its host name), to stand for another machine');
    const proxy = await here.start('a proxy to the other server', AdbProxy.start(other.adb.port, host), (started) => started.close());
    otherAddress = proxy.address;
    sdk = await here.start('a simulated SDK', createSimulatedSdk([{ name: PIXEL, apiLevel: 34 }, { name: TABLET, apiLevel: 30 }]), (started) => started.dispose());
    // The other machine's AVDs: its own AVD home, with an AVD of the same name as one here.
    otherAvdHome = path.join(sdk.root, 'other-machine-avd');
    await writeAvd(otherAvdHome, { name: PIXEL, apiLevel: 34 });
    await fs.writeFile(path.join(sdk.root, '.emulator_console_auth_token'), 'sim-token\n');
  });
  afterEach(async () => {
    await harness?.supervisor.dispose();
    harness = undefined;
    for (const child of remotes.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
    }
    // Emulators the control launched (detached, as for a user): ended whatever the test did.
    for (const pid of await sdk.emulatorPids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await fs.rm(path.join(sdk.avdHome, PIXEL + '.avd', SIMULATOR_MODE_FILE), { force: true });
    // adb ignores an emulator registering on a port it still lists: the next test's may take it.
    await waitUntil(
      async () => ![...(await local.adb.devices()), ...(await other.adb.devices())].some((d) => d.serial.startsWith('emulator-')),
      10_000,
      'the emulators to leave the adb servers',
    );
  });
  after(() => here.stopAll());

  /** The environment of the extension host: this SDK, and ANDROID_ADB_SERVER_PORT naming the other server. */
  function hostEnv(): NodeJS.ProcessEnv {
    return { ...process.env, ...sdk.env, HOME: sdk.root, ANDROID_ADB_SERVER_PORT: String(other.adb.port) };
  }

  /** A watcher of `servers` and a control over it, as the extension builds them. */
  async function watching(servers: string[]): Promise<EmulatorControl> {
    harness = createPoller({ servers, pollIntervalMs: 200 });
    await harness.supervisor.start();
    const supervisor = harness.supervisor;
    const watch = { get devices(): readonly Device[] { return supervisor.snapshot?.devices ?? []; }, configuredServers: servers, controls: supervisor };
    return new EmulatorControl(watch, { env: hostEnv(), home: sdk.root, logFolder: path.join(sdk.root, 'logs') });
  }

  /** The watcher's device `serial` of `server` once `ready` says so. */
  async function listed(serial: string, server: string, ready: (device: Device) => boolean = (d) => d.details !== undefined && !d.details.booting): Promise<Device> {
    const snapshot = await waitForSnapshot(
      harness!.supervisor,
      (s) => {
        const device = deviceIn(s, serial, server);
        return device !== undefined && ready(device);
      },
      20_000,
      `${serial} on ${server}`,
    );
    return deviceIn(snapshot, serial, server)!;
  }

  /** An emulator of the other machine: its AVD home, registered with its server. */
  async function startOnOtherMachine(): Promise<{ serial: string; output: () => string; exited: Promise<unknown> }> {
    const consolePort = await freeConsolePort(new Set());
    assert.ok(consolePort !== undefined);
    const child = spawn(path.join(sdk.root, 'sdk', 'emulator', 'emulator'), ['-avd', PIXEL, '-port', String(consolePort)], {
      env: { ...hostEnv(), ANDROID_AVD_HOME: otherAvdHome, ANDROID_ADB_SERVER_PORT: String(other.adb.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    remotes.push(child);
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    return { serial: `emulator-${consolePort}`, output: () => output, exited: new Promise((resolve) => child.once('exit', resolve)) };
  }

  function started(outcome: LaunchOutcome): Extract<LaunchOutcome, { kind: 'started' }> {
    assert.equal(outcome.kind, 'started', JSON.stringify(outcome));
    return outcome as Extract<LaunchOutcome, { kind: 'started' }>;
  }

  it('counts only this machine\'s emulators as running here: the same AVD on another machine\'s server does not block a start here', async () => {
    const control = await watching([local.adb.address, otherAddress]);
    const remote = await startOnOtherMachine();
    assert.equal((await listed(remote.serial, otherAddress)).details?.avdName, PIXEL);
    assert.deepEqual([...control.runningHere()], []);

    const launch = started(await control.launch({ avd: PIXEL, emulatorPath: path.join(sdk.root, 'sdk', 'emulator', 'emulator') }));
    assert.notEqual(launch.launched.serial, remote.serial);
    assert.equal((await listed(launch.launched.serial, local.adb.address)).details?.avdName, PIXEL);
    assert.deepEqual([...control.runningHere()], [PIXEL]);
  });

  it('stops an emulator of another machine\'s server through that server (its guest powers off), never through a console on this machine', async () => {
    const control = await watching([local.adb.address, otherAddress]);
    const remote = await startOnOtherMachine();
    const device = await listed(remote.serial, otherAddress);

    const stopped = await control.stop(device);
    assert.deepEqual(stopped, { ok: true, via: 'server', message: `powering off through ${otherAddress}` });
    await remote.exited;
    // Here, on one machine, its console is on this machine's loopback too: it must not have been used.
    assert.match(remote.output(), /The guest powered off \(reboot -p\)/);
    assert.doesNotMatch(remote.output(), /Console: kill/);
    await waitForSnapshot(harness!.supervisor, (s) => !deviceIn(s, remote.serial, otherAddress), 10_000, `${remote.serial} gone`);
  });

  it('stops an emulator of this machine through its console', async () => {
    const control = await watching([local.adb.address]);
    const launch = started(await control.launch({ avd: TABLET, emulatorPath: path.join(sdk.root, 'sdk', 'emulator', 'emulator') }));
    const device = await listed(launch.launched.serial, local.adb.address);
    assert.deepEqual(await control.stop(device), { ok: true, via: 'console', message: 'killing emulator, bye bye' });
    const exit = await launch.launched.exited;
    assert.equal(exit.code, 0);
    assert.ok(exit.lastLines.includes('INFO    | Console: kill'), exit.lastLines.join('\n'));
  });

  it('says an emulator of another machine\'s server that is not online there cannot be stopped from here, and leaves it', async () => {
    const control = await watching([local.adb.address, otherAddress]);
    // An emulator that registered and never answers adb's handshake: listed offline (as while it boots).
    const silent = await other.lab.addDevice({ state: 'offline' });
    await registerEmulator(other.adb.port, silent.port);
    try {
      const device = await listed(`emulator-${silent.port - 1}`, otherAddress, (d) => d.state === 'offline');
      assert.deepEqual(await control.stop(device), { ok: false, elsewhere: otherAddress, message: `it runs on the machine of the adb server ${otherAddress}, where it is offline` });
      assert.equal((await other.adb.devices()).find((d) => d.serial === device.serial)?.state, 'offline');
    } finally {
      await other.lab.remove(silent.port);
    }
  });

  it('registers a launched emulator with the watched server of this machine, not the one ANDROID_ADB_SERVER_PORT names', async () => {
    const control = await watching([local.adb.address]);
    const launch = started(await control.launch({ avd: TABLET, emulatorPath: path.join(sdk.root, 'sdk', 'emulator', 'emulator') }));
    assert.deepEqual(launch.registration, { server: local.adb.address, port: local.adb.port });
    await listed(launch.launched.serial, local.adb.address);
    assert.equal((await other.adb.devices()).some((d) => d.serial === launch.launched.serial), false, 'not on the server of ANDROID_ADB_SERVER_PORT');
  });

  it('says where a launched emulator goes when no server of this machine is watched', async () => {
    const control = await watching([otherAddress]);
    const launch = started(await control.launch({ avd: TABLET, emulatorPath: path.join(sdk.root, 'sdk', 'emulator', 'emulator') }));
    // By itself, as the emulator does: to ANDROID_ADB_SERVER_PORT on this machine (here the other server's port).
    assert.deepEqual(launch.registration, { port: other.adb.port });
    await other.adb.waitForDevice(launch.launched.serial, 'device', 10_000);
  });

  it('refuses a second start of an AVD that is still booting: before adb lists it, and while it is listed booting', async () => {
    await fs.writeFile(path.join(sdk.avdHome, PIXEL + '.avd', SIMULATOR_MODE_FILE), 'boot-on-signal');
    const control = await watching([local.adb.address]);
    const emulatorPath = path.join(sdk.root, 'sdk', 'emulator', 'emulator');
    const runsBefore = (await sdk.emulatorRuns()).length;
    const first = control.launch({ avd: PIXEL, emulatorPath });
    // Before the first is even spawned, let alone listed.
    assert.deepEqual(await control.launch({ avd: PIXEL, emulatorPath }), { kind: 'already-running' });
    const launch = started(await first);
    await listed(launch.launched.serial, local.adb.address, (d) => d.details?.booting === true);
    assert.deepEqual(await control.launch({ avd: PIXEL, emulatorPath, coldBoot: true }), { kind: 'already-running' });
    assert.equal((await sdk.emulatorRuns()).slice(runsBefore).length, 1, 'one emulator process for the AVD');
    // Once it has exited, the AVD can be started again.
    process.kill((await sdk.emulatorPids()).at(-1)!, 'SIGTERM');
    await launch.launched.exited;
    await waitForSnapshot(harness!.supervisor, (s) => !deviceIn(s, launch.launched.serial), 10_000, `${launch.launched.serial} gone`);
    assert.deepEqual([...control.runningHere()], []);
  });

  it('gives two starts at once their own console ports, and both come up', async () => {
    const control = await watching([local.adb.address]);
    const emulatorPath = path.join(sdk.root, 'sdk', 'emulator', 'emulator');
    const [pixel, tablet] = (await Promise.all([PIXEL, TABLET].map((avd) => control.launch({ avd, emulatorPath })))).map(started);
    assert.notEqual(pixel.launched.serial, tablet.launched.serial);
    assert.equal((await listed(pixel.launched.serial, local.adb.address)).details?.avdName, PIXEL);
    assert.equal((await listed(tablet.launched.serial, local.adb.address)).details?.avdName, TABLET);
  });

  it('reports an emulator that cannot be spawned as the launch\'s failure, and the AVD is not left "running"', async () => {
    const control = await watching([local.adb.address]);
    const notExecutable = path.join(sdk.root, 'not-executable');
    await fs.writeFile(notExecutable, '#!/bin/sh\n', { mode: 0o644 });
    const outcome = await control.launch({ avd: PIXEL, emulatorPath: notExecutable });
    assert.equal(outcome.kind, 'failed');
    assert.match((outcome as { message: string }).message, /EACCES/);
    assert.deepEqual([...control.runningHere()], []);
  });
});
