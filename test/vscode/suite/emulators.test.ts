// Emulators in the real extension host, with the simulated emulator of the run's SDK (the runner
// points ANDROID_HOME and ANDROID_AVD_HOME at it): started by the commands, followed through the
// boot by the real adb server, named by AVD, selected once booted, stopped through the console.

import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { waitUntil } from '../../../lab/wait';
import { SIMULATOR_MODE_FILE } from '../../../lab/sim/emulator';
import type { AndroidDeviceWatcherApi } from '../../../src/ui/api';
import type { CommandResult } from '../../../src/shared/types';
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

describe('emulators in the real extension host (simulated emulator)', function () {
  this.timeout(60_000);
  let api: AndroidDeviceWatcherApi;
  const avdFolder = (name: string) => path.join(process.env.ANDROID_AVD_HOME!, `${name}.avd`);

  before(async () => {
    api = await activeApi();
    await until(api, () => api.pollerState === 'running', 10_000, 'running');
  });
  after(async () => {
    await fs.rm(path.join(avdFolder('Pixel_8_API_34'), SIMULATOR_MODE_FILE), { force: true });
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

  it('refuses an AVD that does not exist, and starts nothing', async () => {
    const before = (await emulatorRuns()).length;
    const result = await vscode.commands.executeCommand<CommandResult>(`${SECTION}.startEmulator`, 'No_Such_AVD');
    assert.equal(result?.ok, false);
    assert.match(result?.message ?? '', /no AVD named No_Such_AVD/);
    assert.equal((await emulatorRuns()).length, before);
  });
});
