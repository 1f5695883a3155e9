// The simulated emulator (lab/sim/emulator.ts) against the real adb server: it must look like the
// real one wherever the extension will look, or the emulator features would be tested against a
// fiction. Also the extension's own AVD reader and console client, against it.

import * as assert from 'node:assert/strict';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createPoller, deviceIn, Harness, waitForSnapshot } from '../../lab/pollerHarness';
import { findFreePort } from '../../lab/ports';
import { installSimulatedEmulator, writeAvd } from '../../lab/sim/avds';
import { waitUntil } from '../../lab/wait';
import { listAvds } from '../../src/emulators/model/avdCatalog';
import { runConsoleCommands } from '../../src/emulators/model/emulatorConsole';
import { useLab } from '../support/labFixture';

/** Two free ports in a row, the lower one even, as an emulator's console and adb ports are. */
async function freeConsolePort(): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const probe = net.createServer().once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
  for (;;) {
    const port = (await findFreePort()) & ~1;
    if (port > 1024 && port < 65534 && (await free(port)) && (await free(port + 1))) return port;
  }
}

describe('the simulated emulator, seen by the real adb server and the watcher', function () {
  this.timeout(30_000);
  const fixture = useLab();
  let root: string;
  let emulator: string;
  let env: NodeJS.ProcessEnv;
  const running: ChildProcess[] = [];
  let harness: Harness | undefined;

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'adw-emulator-sim-'));
    const avdHome = path.join(root, 'avd');
    await writeAvd(avdHome, { name: 'Pixel_8_API_34', displayName: 'Pixel 8 API 34', apiLevel: 34 });
    await writeAvd(avdHome, { name: 'Tablet_API_30', apiLevel: 30, abi: 'arm64-v8a' });
    emulator = await installSimulatedEmulator(path.join(root, 'sdk'));
    await fs.writeFile(path.join(root, '.emulator_console_auth_token'), 'sim-token\n');
    env = { ...process.env, HOME: root, ANDROID_AVD_HOME: avdHome, ANDROID_ADB_SERVER_PORT: String(fixture.adb.port) };
  });
  afterEach(async () => {
    await harness?.supervisor.dispose();
    harness = undefined;
    for (const child of running.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
    }
  });
  after(async () => {
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  function run(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(emulator, args, { env: { ...env, ...extraEnv }, timeout: 10_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
      );
    });
  }

  function launch(args: string[], extraEnv: Record<string, string> = {}): ChildProcess {
    const child = spawn(emulator, args, { env: { ...env, ...extraEnv }, stdio: 'ignore' });
    running.push(child);
    return child;
  }

  it('lists the AVDs of the AVD home, as the extension reads them without a process', async () => {
    const listed = await run(['-list-avds']);
    assert.equal(listed.code, 0);
    assert.deepEqual(listed.stdout.trim().split('\n'), ['Pixel_8_API_34', 'Tablet_API_30']);
    const read = await listAvds(env.ANDROID_AVD_HOME!, path.join(root, '.android'));
    assert.deepEqual(
      read.avds.map((avd) => [avd.name, avd.displayName, avd.apiLevel, avd.abi]),
      [
        ['Pixel_8_API_34', 'Pixel 8 API 34', 34, 'x86_64'],
        ['Tablet_API_30', 'Tablet API 30', 30, 'arm64-v8a'],
      ],
    );
  });

  it('registers as emulator-N with adb, boots (sys.boot_completed 0 then 1), names its AVD, and stops on the console\'s kill', async () => {
    const consolePort = await freeConsolePort();
    const serial = `emulator-${consolePort}`;
    const child = launch(['-avd', 'Pixel_8_API_34', '-port', String(consolePort), '-no-snapshot-load'], { ADW_SIM_EMULATOR_MODE: 'boot-on-signal' });
    await fixture.adb.waitForDevice(serial, 'device', 10_000);
    assert.equal((await fixture.adb.shell(serial, 'getprop ro.boot.qemu.avd_name')).trim(), 'Pixel_8_API_34');
    assert.equal((await fixture.adb.shell(serial, 'getprop sys.boot_completed')).trim(), '', 'listed by adb before its boot completes');
    child.kill('SIGUSR1');
    await waitUntil(async () => (await fixture.adb.shell(serial, 'getprop sys.boot_completed')).trim() === '1', 10_000, 'the boot to complete');

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const [name, kill] = await runConsoleCommands(consolePort, ['avd name', 'kill'], { token: 'sim-token', timeoutMs: 5000 });
    assert.deepEqual(name, { ok: true, text: 'Pixel_8_API_34' });
    assert.equal(kill.ok, true);
    assert.equal(await exited, 0);
    await waitUntil(async () => !(await fixture.adb.devices()).some((d) => d.serial === serial && d.state === 'device'), 10_000, `${serial} gone from adb`);
  });

  it('is followed by the watcher (real worker): named by its AVD, booting, then ready once booted', async () => {
    const consolePort = await freeConsolePort();
    const serial = `emulator-${consolePort}`;
    harness = createPoller({ servers: [fixture.adb.address], pollIntervalMs: 200 });
    await harness.supervisor.start();
    const child = launch(['-avd', 'Pixel_8_API_34', '-port', String(consolePort)], { ADW_SIM_EMULATOR_MODE: 'boot-on-signal' });
    const booting = await waitForSnapshot(harness.supervisor, (s) => deviceIn(s, serial)?.details?.booting === true, 10_000, `${serial} booting`);
    assert.equal(deviceIn(booting, serial)?.connection, 'emulator');
    assert.equal(deviceIn(booting, serial)?.details?.avdName, 'Pixel_8_API_34');
    child.kill('SIGUSR1');
    const booted = await waitForSnapshot(harness.supervisor, (s) => deviceIn(s, serial)?.details?.booting === undefined, 10_000, `${serial} booted`);
    assert.equal(deviceIn(booted, serial)?.details?.avdName, 'Pixel_8_API_34');
  });

  it('refuses a wrong console token, as the real console does', async () => {
    const consolePort = await freeConsolePort();
    launch(['-avd', 'Tablet_API_30', '-port', String(consolePort)]);
    await fixture.adb.waitForDevice(`emulator-${consolePort}`, 'device', 10_000);
    await assert.rejects(runConsoleCommands(consolePort, ['avd name'], { token: 'wrong', timeoutMs: 5000 }), /refused the auth token/);
  });

  it('powers off on a shell `reboot -p` through adb, as the emulator does when its guest shuts down', async () => {
    const consolePort = await freeConsolePort();
    const serial = `emulator-${consolePort}`;
    const child = launch(['-avd', 'Tablet_API_30', '-port', String(consolePort)]);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await fixture.adb.waitForDevice(serial, 'device', 10_000);
    // The shell never answers (the device goes down under it); adb's own client ends as the device leaves.
    await fixture.adb.runAdb(['-s', serial, 'shell', 'reboot', '-p']);
    assert.equal(await exited, 0);
    await waitUntil(async () => !(await fixture.adb.devices()).some((d) => d.serial === serial), 10_000, `${serial} gone from adb`);
  });

  it('refuses a second instance of a running AVD, as the emulator does, and starts once the first has been killed', async () => {
    const firstPort = await freeConsolePort();
    const first = launch(['-avd', 'Pixel_8_API_34', '-port', String(firstPort)]);
    // Listed: it runs, and holds its AVD's lock.
    await fixture.adb.waitForDevice(`emulator-${firstPort}`, 'device', 10_000);
    await fs.access(path.join(env.ANDROID_AVD_HOME!, 'Pixel_8_API_34.avd', 'hardware-qemu.ini.lock'));
    const second = await run(['-avd', 'Pixel_8_API_34', '-port', String(await freeConsolePort())]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /Running multiple emulators with the same AVD is an experimental feature/);
    // A SIGKILL leaves the lock behind: stale, since its process is gone.
    const killed = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGKILL');
    await killed;
    const consolePort = await freeConsolePort();
    launch(['-avd', 'Pixel_8_API_34', '-port', String(consolePort)]);
    await fixture.adb.waitForDevice(`emulator-${consolePort}`, 'device', 10_000);
  });

  it('exits at once with an error in the failing mode, and for an unknown AVD', async () => {
    const failed = await run(['-avd', 'Pixel_8_API_34'], { ADW_SIM_EMULATOR_MODE: 'fail' });
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /requires hardware acceleration/);
    const unknown = await run(['-avd', 'Nope']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /Unknown AVD name \[Nope\]/);
  });
});
