// Wi-Fi connect / disconnect and the Troubleshoot report, in the real extension host, against the
// run's private adb server and simulated devices.

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { AdbHostClient, findFreePort } from '../../adb/privateAdbServer';
import { SimulatedLab } from '../../sim/labClient';
import type { CommandResult } from '../../../src/shared/types';
import { activeApi, SECTION, until } from './helpers';

describe('Wi-Fi connect and Troubleshoot in the real extension host', () => {
  let lab: SimulatedLab;
  let adb: AdbHostClient;
  const cleanup: string[] = [];

  before(async () => {
    adb = new AdbHostClient(Number(process.env.ANDROID_ADB_SERVER_PORT));
    lab = await SimulatedLab.start();
    const api = await activeApi();
    await until(api, () => api.pollerState === 'running' && api.servers.every((s) => s.status === 'connected'), 10_000, 'running');
  });
  after(async () => {
    for (const serial of cleanup) await adb.disconnect(serial).catch(() => undefined);
    await lab?.close();
  });

  it('connects a device over Wi-Fi without a refresh, and disconnects it from its row command', async () => {
    const api = await activeApi();
    const sim = await lab.addDevice();
    const serial = `127.0.0.1:${sim.port}`;
    cleanup.push(serial);
    const connected = await vscode.commands.executeCommand<CommandResult>(`${SECTION}.connectWifi`, serial);
    assert.deepEqual(connected, { ok: true, message: `connected to ${serial}` });
    await until(api, () => api.devices.some((d) => d.serial === serial && d.state === 'device'), 5000, 'the Wi-Fi device');
    const disconnected = await vscode.commands.executeCommand<CommandResult>(`${SECTION}.disconnectDevice`, serial);
    assert.equal(disconnected?.ok, true, disconnected?.message);
    await until(api, () => !api.devices.some((d) => d.serial === serial), 5000, 'the device gone');
  });

  it('reports a failed connect and refuses a malformed address', async () => {
    const nobody = await findFreePort();
    const failed = await vscode.commands.executeCommand<CommandResult>(`${SECTION}.connectWifi`, `127.0.0.1:${nobody}`);
    assert.equal(failed?.ok, false);
    assert.match(failed?.message ?? '', /failed to connect|cannot connect/);
    const malformed = await vscode.commands.executeCommand<CommandResult>(`${SECTION}.connectWifi`, 'host:99999; reboot');
    assert.equal(malformed?.ok, false);
  });

  it('writes a Troubleshoot report with adb, its version, each server and each device with its fix', async () => {
    const api = await activeApi();
    const sim = await lab.addDevice({ state: 'unauthorized' });
    const serial = `127.0.0.1:${sim.port}`;
    cleanup.push(serial);
    await adb.connect(sim.port).catch(() => undefined);
    await until(api, () => api.devices.some((d) => d.serial === serial && d.state === 'unauthorized'), 10_000, 'the unauthorized device');
    const document = await vscode.commands.executeCommand<vscode.TextDocument>(`${SECTION}.troubleshoot`);
    const text = document.getText();
    assert.match(text, /- Found: `[^`]*adb` \(from (PATH|setting|ANDROID_HOME|ANDROID_SDK_ROOT)\)/);
    assert.match(text, /Version: Android Debug Bridge version 1\.0\.\d+/);
    assert.match(text, new RegExp(`127\\.0\\.0\\.1:${process.env.ANDROID_ADB_SERVER_PORT} \\| connected \\| \\d+ \\(matches adb\\)`));
    assert.match(text, /- State: running/);
    assert.match(text, new RegExp(`127\\.0\\.0\\.1:${sim.port} \\|[^\\n]*unauthorized \\| Accept the "Allow USB debugging" prompt`));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
