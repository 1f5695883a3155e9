// Emulators in the real extension host, with the simulated emulator of the run's SDK (the runner
// points ANDROID_HOME and ANDROID_AVD_HOME at it): started by the commands, followed through the
// boot by the real adb server, named by AVD, selected once booted, stopped through the console.
// Then with other adb servers: a watched one of this machine on another port than
// ANDROID_ADB_SERVER_PORT's, and one standing for another machine's (reached by this machine's host name).

import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { AdbProxy } from '../../../lab/adbProxy';
import { anotherMachineStandIn } from '../../../lab/ports';
import { writeAvd } from '../../../lab/sim/avds';
import { waitUntil } from '../../../lab/wait';
import { SIMULATOR_MODE_FILE } from '../../../lab/sim/emulator';
import type { AndroidDeviceWatcherApi } from '../../../src/devices/ui/api';
import type { CommandResult, Device } from '../../../src/core/types';
import { useLab } from '../../support/labFixture';
import { StartedHere } from '../../support/started';
import { activeApi, SECTION, until } from './helpers';

/** What the simulator recorded of each run: its pid and arguments. */
async function emulatorRuns(): Promise<{ pid: number; args: string[] }[]> {
  const log = process.env.ADW_SIM_EMULATOR_LOG;
  assert.ok(log, 'the runner gives the simulated SDK');
  return (await fs.readFile(log, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { pid: number; args: string[] });
}

/**
 * Ends every simulated emulator of the run (a test that failed midway leaves its own running) and
 * waits until none is listed, so that one failure does not fail the tests after it.
 */
async function endEmulators(api: AndroidDeviceWatcherApi | undefined): Promise<void> {
  for (const { pid } of await emulatorRuns()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  if (api) await until(api, () => !api.devices.some((d) => d.connection === 'emulator'), 15_000, 'no emulator listed');
}

describe('emulators in the real extension host (simulated emulator)', function () {
  this.timeout(60_000);
  let api: AndroidDeviceWatcherApi;
  const avdFolder = (name: string) => path.join(process.env.ANDROID_AVD_HOME!, `${name}.avd`);

  before(async () => {
    api = await activeApi();
    await until(api, () => api.pollerState === 'running', 10_000, 'running');
  });
  afterEach(async () => {
    await fs.rm(path.join(avdFolder('Pixel_8_API_34'), SIMULATOR_MODE_FILE), { force: true });
    await endEmulators(api);
  });
  after(async () => {
    for (const device of api?.devices.filter((d) => d.connection === 'emulator') ?? []) {
      await vscode.commands.executeCommand(`${SECTION}.stopEmulator`, device.serial);
    }
    await vscode.commands.executeCommand(`${SECTION}.clearSelection`);
    // An emulator outlives the window by design: end any the test left, whatever failed.
    for (const { pid } of await emulatorRuns()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });

  it('cold-boots an AVD, selects it, shows it booting under its AVD name, then ready, and stops it', async () => {
    // The boot completes only when the test says so, so that "booting" is seen for certain.
    await fs.writeFile(path.join(avdFolder('Pixel_8_API_34'), SIMULATOR_MODE_FILE), 'boot-on-signal');
    const runsBefore = (await emulatorRuns()).length;
    const result = await vscode.commands.executeCommand<CommandResult>(`${SECTION}.coldBootEmulator`, 'Pixel_8_API_34');
    assert.equal(result?.ok, true, result?.message);
    const serial = result.message;
    assert.match(serial, /^emulator-\d+$/);
    const consolePort = serial.slice('emulator-'.length);

    // The command returns once the process is spawned; the simulator records its run as it starts.
    const run = await waitUntil(async () => (await emulatorRuns())[runsBefore], 10_000, 'the emulator to start');
    assert.deepEqual(run.args, ['-avd', 'Pixel_8_API_34', '-port', consolePort, '-no-snapshot-load']);

    // Started and not booted (adb may not even list it yet): a second start is refused as well.
    const whileStarting = await vscode.commands.executeCommand<CommandResult>(`${SECTION}.startEmulator`, 'Pixel_8_API_34');
    assert.equal(whileStarting?.ok, false, whileStarting?.message);
    assert.match(whileStarting?.message ?? '', /already running/);

    await until(api, () => api.devices.some((d) => d.serial === serial && d.details?.booting === true), 15_000, `${serial} booting`);
    const booting = api.devices.find((d) => d.serial === serial)!;
    assert.equal(booting.connection, 'emulator');
    assert.equal(booting.details?.avdName, 'Pixel_8_API_34');
    // Launched by the user: selected at once, not ready while it boots (the status bar says booting).
    await until(api, () => api.selectedDevice?.serial === serial, 10_000, `${serial} selected`);
    assert.equal(api.selectedDevice?.ready, false);

    process.kill(run.pid, 'SIGUSR1');
    await until(api, () => api.selectedDevice?.serial === serial && api.selectedDevice.ready, 15_000, `${serial} booted and selected`);

    // A second instance of a running AVD is refused before the emulator would refuse it.
    const runsNow = (await emulatorRuns()).length;
    const again = await vscode.commands.executeCommand<CommandResult>(`${SECTION}.startEmulator`, 'Pixel_8_API_34');
    assert.equal(again?.ok, false);
    assert.match(again?.message ?? '', /already running/);
    assert.equal((await emulatorRuns()).length, runsNow);

    const stopped = await vscode.commands.executeCommand<CommandResult>(`${SECTION}.stopEmulator`);
    assert.equal(stopped?.ok, true, stopped?.message);
    await until(api, () => !api.devices.some((d) => d.serial === serial && d.state === 'device'), 15_000, `${serial} gone`);
    await waitUntil(() => {
      try {
        process.kill(run.pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 10_000, 'the emulator process to end');
  });

  it('wipes the data of an AVD when asked, and the emulator it starts comes up ready', async () => {
    const runsBefore = (await emulatorRuns()).length;
    const result = await vscode.commands.executeCommand<CommandResult>(`${SECTION}.wipeEmulatorData`, 'Tablet_API_30');
    assert.equal(result?.ok, true, result?.message);
    const run = await waitUntil(async () => (await emulatorRuns())[runsBefore], 10_000, 'the emulator to start');
    assert.deepEqual(run.args, ['-avd', 'Tablet_API_30', '-port', result.message.slice('emulator-'.length), '-wipe-data']);
    await until(api, () => api.selectedDevice?.serial === result.message && api.selectedDevice.ready, 15_000, `${result.message} ready`);
    assert.equal((await vscode.commands.executeCommand<CommandResult>(`${SECTION}.stopEmulator`, result.message))?.ok, true);
    await until(api, () => !api.devices.some((d) => d.serial === result.message && d.state === 'device'), 15_000, `${result.message} gone`);
  });

  it('starts two emulators at once, each on a console port of its own, and both come up ready', async () => {
    const results = await Promise.all(['Pixel_8_API_34', 'Tablet_API_30'].map((avd) => vscode.commands.executeCommand<CommandResult>(`${SECTION}.startEmulator`, avd)));
    for (const result of results) assert.equal(result?.ok, true, result?.message);
    const serials = results.map((result) => result.message);
    assert.notEqual(serials[0], serials[1]);
    for (const serial of serials) await until(api, () => api.devices.some((d) => d.serial === serial && !!d.details && !d.details.booting), 15_000, `${serial} ready`);
    assert.deepEqual(serials.map((serial) => api.devices.find((d) => d.serial === serial)?.details?.avdName), ['Pixel_8_API_34', 'Tablet_API_30']);
    for (const serial of serials) assert.equal((await vscode.commands.executeCommand<CommandResult>(`${SECTION}.stopEmulator`, serial))?.ok, true);
    await until(api, () => !api.devices.some((d) => serials.includes(d.serial) && d.state === 'device'), 15_000, 'both gone');
  });

  it('reports an emulator that cannot be spawned as the start\'s failure', async () => {
    // Executable, but its interpreter does not exist: the spawn itself fails (ENOENT).
    const broken = path.join(os.tmpdir(), `adw-broken-emulator-${process.pid}`);
    await fs.writeFile(broken, '#!/nonexistent/interpreter\n', { mode: 0o755 });
    const settings = vscode.workspace.getConfiguration(SECTION);
    try {
      await settings.update('emulatorPath', broken, vscode.ConfigurationTarget.Global);
      const result = await vscode.commands.executeCommand<CommandResult>(`${SECTION}.startEmulator`, 'Tablet_API_30');
      assert.equal(result?.ok, false, result?.message);
      assert.match(result?.message ?? '', /spawn .*ENOENT/);
    } finally {
      await settings.update('emulatorPath', undefined, vscode.ConfigurationTarget.Global);
      await fs.rm(broken, { force: true });
    }
  });

  it('refuses an AVD that does not exist, and starts nothing', async () => {
    const before = (await emulatorRuns()).length;
    const result = await vscode.commands.executeCommand<CommandResult>(`${SECTION}.startEmulator`, 'No_Such_AVD');
    assert.equal(result?.ok, false);
    assert.match(result?.message ?? '', /no AVD named No_Such_AVD/);
    assert.equal((await emulatorRuns()).length, before);
  });
});

describe('emulators and other adb servers, in the real extension host (simulated emulator)', function () {
  this.timeout(60_000);
  const here = new StartedHere();
  const runServer = () => `127.0.0.1:${process.env.ANDROID_ADB_SERVER_PORT}`;
  const emulator = () => path.join(process.env.ANDROID_HOME!, 'emulator', 'emulator');
  let api: AndroidDeviceWatcherApi;
  let otherAddress: string;
  let otherAvdHome: string;
  const otherMachine: ChildProcess[] = [];

  // Registered before the lab's own `after`, so that it runs first: the setting goes back before
  // the second server stops.
  after(async () => {
    for (const child of otherMachine) child.kill('SIGKILL');
    for (const device of api?.devices.filter((d) => d.connection === 'emulator' && d.server === runServer()) ?? []) {
      await vscode.commands.executeCommand(`${SECTION}.stopEmulator`, device.serial);
    }
    await vscode.workspace.getConfiguration(SECTION).update('adbServers', undefined, vscode.ConfigurationTarget.Global);
    if (api) await until(api, () => api.servers.length === 1 && api.servers[0].address === runServer(), 10_000, 'back to the run\'s server');
    await vscode.commands.executeCommand(`${SECTION}.clearSelection`);
    await here.stopAll();
    if (otherAvdHome) await fs.rm(path.dirname(otherAvdHome), { recursive: true, force: true });
  });
  // Another adb server of this machine, and the same reached by this machine's host name (loopback, but not a name the watcher takes for this machine), as another machine's.
  const second = useLab();
  afterEach(() => endEmulators(api));

  before(async () => {
    api = await activeApi();
    const host = await anotherMachineStandIn();
    if (!host) throw new Error('this test needs a name of this machine that resolves to loopback only (its host name), to stand for another machine');
    otherAddress = (await here.start('a proxy to the second server', AdbProxy.start(second.adb.port, host), (proxy) => proxy.close())).address;
    otherAvdHome = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'adw-other-machine-')), 'avd');
    await writeAvd(otherAvdHome, { name: 'Pixel_8_API_34', apiLevel: 34 });
  });

  async function watch(servers: string[]): Promise<void> {
    await vscode.workspace.getConfiguration(SECTION).update('adbServers', servers, vscode.ConfigurationTarget.Global);
    await until(api, () => api.servers.map((s) => `${s.address} ${s.status}`).join() === servers.map((s) => `${s} connected`).join(), 15_000, `watching ${servers.join(', ')}`);
  }

  const readyOn = (serial: string, server: string) => (): boolean => api.devices.some((d) => d.serial === serial && d.server === server && !!d.details && !d.details.booting);

  it('registers a started emulator with the watched server of this machine, not the one ANDROID_ADB_SERVER_PORT names', async () => {
    await watch([second.adb.address]);
    const result = await vscode.commands.executeCommand<CommandResult>(`${SECTION}.startEmulator`, 'Tablet_API_30');
    assert.equal(result?.ok, true, result?.message);
    await until(api, readyOn(result.message, second.adb.address), 15_000, `${result.message} on ${second.adb.address}`);
    assert.equal((await vscode.commands.executeCommand<CommandResult>(`${SECTION}.stopEmulator`, result.message))?.ok, true);
    await until(api, () => !api.devices.some((d) => d.serial === result.message), 15_000, `${result.message} gone`);
  });

  /** An emulator of the other machine: its own AVD home, registered with its own server; resolves once listed booted. */
  async function startOnOtherMachine(): Promise<{ device: Device; output: () => string; exited: Promise<unknown> }> {
    const child = spawn(emulator(), ['-avd', 'Pixel_8_API_34'], { env: { ...process.env, ANDROID_AVD_HOME: otherAvdHome, ANDROID_ADB_SERVER_PORT: String(second.adb.port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    otherMachine.push(child);
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const listed = (): Device | undefined => api.devices.find((d) => d.server === otherAddress && d.details?.avdName === 'Pixel_8_API_34' && !d.details.booting);
    await until(api, () => listed() !== undefined, 15_000, 'the other machine\'s emulator');
    return { device: listed()!, output: () => output, exited };
  }

  it('starts an AVD here that another machine runs (an emulator of another server does not run here)', async () => {
    await watch([runServer(), otherAddress]);
    await startOnOtherMachine();
    const started = await vscode.commands.executeCommand<CommandResult>(`${SECTION}.startEmulator`, 'Pixel_8_API_34');
    assert.equal(started?.ok, true, started?.message);
    await until(api, readyOn(started.message, runServer()), 15_000, `${started.message} here`);
  });

  it('stops another machine\'s emulator through its server (its guest powers off), not through a console here', async () => {
    await watch([runServer(), otherAddress]);
    const remote = await startOnOtherMachine();
    const stopped = await vscode.commands.executeCommand<CommandResult>(`${SECTION}.stopEmulator`, remote.device.serial);
    assert.equal(stopped?.ok, true, stopped?.message);
    await remote.exited;
    // On one machine its console is on this loopback too: the way it ended shows which was used.
    assert.match(remote.output(), /The guest powered off \(reboot -p\)/);
    assert.doesNotMatch(remote.output(), /Console: kill/);
  });
});
