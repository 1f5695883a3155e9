// The extension inside a real VS Code extension host, watching the run's private adb server
// (ANDROID_ADB_SERVER_PORT) with simulated devices: the public API, the commands, selection,
// ANDROID_SERIAL in a terminal, `${command:...}`, and settings applied live.

import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AndroidDeviceWatcherApi } from '../../../src/devices/ui/api';
import type { Device } from '../../../src/core/types';
import type { PollerState } from '../../../src/core/supervisor/pollerSupervisor';
import { AdbHostClient } from '../../../lab/adbHostClient';
import { findFreePort } from '../../../lab/ports';
import { useLab } from '../../support/labFixture';
import { activeApi, runAdbServer, runInNewTerminal, SECTION, until } from './helpers';

const deviceBySerial = (api: AndroidDeviceWatcherApi, serial: string): Device | undefined => api.devices.find((d) => d.serial === serial);

describe('device watcher in the real extension host', () => {
  const fixture = useLab({ server: runAdbServer });
  let api: AndroidDeviceWatcherApi;

  before(async () => {
    api = await activeApi();
  });

  const attach = async (options: Parameters<typeof fixture.attach>[0] = {}) => (await fixture.attach(options)).serial;

  it('activates quickly and watches the adb server of ANDROID_ADB_SERVER_PORT', async () => {
    await until(api, () => api.pollerState === 'running' && api.servers.some((s) => s.status === 'connected'), 10_000, 'running and connected');
    assert.deepEqual(api.servers.map((s) => s.address), [`127.0.0.1:${process.env.ANDROID_ADB_SERVER_PORT}`]);
  });

  it('reports an attached device through the API, with its details, and selects it when nothing was selected', async () => {
    const serial = await attach({ model: 'Pixel_8' });
    await until(api, () => deviceBySerial(api, serial)?.details !== undefined, 10_000, 'device with details');
    assert.equal(deviceBySerial(api, serial)?.state, 'device');
    await until(api, () => api.selectedDevice !== undefined, 5000, 'a selection');
    assert.equal(await vscode.commands.executeCommand(`${SECTION}.selectedSerial`), api.selectedDevice!.serial);
  });

  it('keeps a vanished selected device selected as disconnected, and takes it back when it returns', async () => {
    const selectedSerial = api.selectedDevice!.serial;
    const other = await attach();
    await until(api, () => deviceBySerial(api, other)?.state === 'device', 10_000, 'second device');
    await fixture.adb.disconnect(selectedSerial);
    await until(api, () => api.selectedDevice?.present === false, 10_000, 'selected device disconnected');
    assert.equal(api.selectedDevice?.serial, selectedSerial, 'never switched silently to another device');
    await fixture.adb.connect(Number(selectedSerial.split(':')[1]));
    await until(api, () => api.selectedDevice?.present === true && api.selectedDevice.ready, 10_000, 'selected device back');
    assert.equal(api.selectedDevice?.serial, selectedSerial);
  });

  /** ANDROID_SERIAL as a new integrated terminal sees it. */
  async function serialInNewTerminal(): Promise<string> {
    const out = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'adw-term-')), 'serial.txt');
    await runInNewTerminal(`printf %s "$ANDROID_SERIAL" > '${out}'`);
    return fs.readFile(out, 'utf8');
  }

  it('exports the selection as ANDROID_SERIAL to a new terminal', async () => {
    assert.equal(await serialInNewTerminal(), api.selectedDevice!.serial);
  });

  it('stops exporting ANDROID_SERIAL as soon as setAndroidSerial is turned off', async () => {
    const configuration = vscode.workspace.getConfiguration(SECTION);
    try {
      await configuration.update('setAndroidSerial', false, vscode.ConfigurationTarget.Global);
      assert.equal(await serialInNewTerminal(), '');
    } finally {
      await configuration.update('setAndroidSerial', undefined, vscode.ConfigurationTarget.Global);
    }
    assert.equal(await serialInNewTerminal(), api.selectedDevice!.serial);
  });

  /**
   * Counts the moments an attached device looked gone while the watcher restarted: lists without
   * the selected device, and selection changes that call it disconnected.
   */
  function watchForPhantomDisconnects(): { lists: number; drops: number; disconnects: number; dispose(): void } {
    const serial = api.selectedDevice!.serial;
    const seen = { lists: 0, drops: 0, disconnects: 0 };
    const subscriptions = [
      api.onDidChangeDevices((devices) => {
        seen.lists++;
        if (!devices.some((d) => d.serial === serial)) seen.drops++;
      }),
      api.onDidChangeSelectedDevice((selected) => {
        if (selected?.present === false) seen.disconnects++;
      }),
    ];
    return Object.assign(seen, { dispose: () => subscriptions.forEach((s) => s.dispose()) });
  }

  it('runs pause, resume, stop, start, kill and restart from commands, with the states in order, and no device looks gone', async () => {
    const states: PollerState[] = [];
    const subscription = api.onDidChangePollerState((state) => states.push(state));
    const phantoms = watchForPhantomDisconnects();
    try {
      await vscode.commands.executeCommand(`${SECTION}.pause`);
      await vscode.commands.executeCommand(`${SECTION}.resume`);
      await vscode.commands.executeCommand(`${SECTION}.stop`);
      await vscode.commands.executeCommand(`${SECTION}.start`);
      await vscode.commands.executeCommand(`${SECTION}.kill`);
      await vscode.commands.executeCommand(`${SECTION}.restart`);
      await until(api, () => api.pollerState === 'running', 10_000, 'running again');
      await until(api, () => api.servers.every((s) => s.status === 'connected'), 10_000, 'the server listed again');
    } finally {
      subscription.dispose();
      phantoms.dispose();
    }
    assert.deepEqual(states, ['paused', 'running', 'stopping', 'stopped', 'starting', 'running', 'killed', 'starting', 'running']);
    assert.deepEqual([phantoms.drops, phantoms.disconnects], [0, 0], `${phantoms.lists} lists`);
    assert.equal(api.selectedDevice?.present, true);
  });

  it('applies a settings change without a reload (a new poll interval restarts the watcher), and no device looks gone', async () => {
    const states: PollerState[] = [];
    const subscription = api.onDidChangePollerState((state) => states.push(state));
    const phantoms = watchForPhantomDisconnects();
    const configuration = vscode.workspace.getConfiguration(SECTION);
    try {
      await configuration.update('pollIntervalMs', 500, vscode.ConfigurationTarget.Global);
      await until(api, () => states.includes('running'), 10_000, 'restart after the settings change');
      await until(api, () => api.servers.every((s) => s.status === 'connected'), 10_000, 'the server listed again');
      assert.deepEqual(states, ['stopping', 'stopped', 'starting', 'running']);
      assert.deepEqual([phantoms.drops, phantoms.disconnects], [0, 0], `${phantoms.lists} lists`);
    } finally {
      subscription.dispose();
      phantoms.dispose();
      await configuration.update('pollIntervalMs', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('falls back to the local server when adbServers holds only bad addresses', async () => {
    const configuration = vscode.workspace.getConfiguration(SECTION);
    try {
      await configuration.update('adbServers', ['not an address', 'host:99999'], vscode.ConfigurationTarget.Global);
      // Nothing valid left: the default server stays watched, so the config is unchanged and no restart happens.
      await until(api, () => api.pollerState === 'running', 5000, 'still running');
      assert.deepEqual(api.servers.map((s) => s.address), [`127.0.0.1:${process.env.ANDROID_ADB_SERVER_PORT}`]);
    } finally {
      await configuration.update('adbServers', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('watches an added adb server next to the default one when the setting names both', async () => {
    const configuration = vscode.workspace.getConfiguration(SECTION);
    const local = `127.0.0.1:${process.env.ANDROID_ADB_SERVER_PORT}`;
    // 0.0.0.0 refuses for real on Linux yet is not a loopback address, so no server is started there.
    const refusing = `0.0.0.0:${await findFreePort()}`;
    try {
      await configuration.update('adbServers', [local, refusing], vscode.ConfigurationTarget.Global);
      await until(api, () => api.servers.length === 2 && api.servers[1].status === 'unreachable', 10_000, 'two servers');
      assert.match(api.servers[1].error ?? '', /connection refused/);
    } finally {
      await configuration.update('adbServers', undefined, vscode.ConfigurationTarget.Global);
      await until(api, () => api.servers.length === 1 && api.pollerState === 'running', 10_000, 'back to one server');
    }
  });

  it('starts a local adb server that is not running, with no setting touched, and watches it', async function () {
    this.timeout(40_000);
    const configuration = vscode.workspace.getConfiguration(SECTION);
    const port = await findFreePort();
    try {
      await configuration.update('adbServers', [`127.0.0.1:${port}`], vscode.ConfigurationTarget.Global);
      await until(api, () => api.servers.length === 1 && api.servers[0].address === `127.0.0.1:${port}` && api.servers[0].status === 'connected', 30_000, 'the started server');
      // A real adb server answers there now, and says which version it is.
      assert.match(await new AdbHostClient(port).hostRequest('host:version'), /^[0-9a-f]{4}$/);
    } finally {
      // Watched no more first: the watcher would start a server it sees killed again.
      await configuration.update('adbServers', undefined, vscode.ConfigurationTarget.Global);
      await until(api, () => api.servers.length === 1 && api.servers[0].address !== `127.0.0.1:${port}` && api.servers[0].status === 'connected', 10_000, 'back to the run\'s server');
      await new Promise<void>((resolve) => execFile('adb', ['-P', String(port), 'kill-server'], { timeout: 20_000 }, () => resolve()));
    }
  });
});
