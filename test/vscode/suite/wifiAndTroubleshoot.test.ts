// Wi-Fi connect / disconnect and the Troubleshoot report, in the real extension host, against the
// run's private adb server and simulated devices.

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { findFreePort } from '../../../lab/ports';
import type { CommandResult } from '../../../src/core/types';
import { useLab } from '../../support/labFixture';
import { activeApi, runAdbServer, SECTION, until } from './helpers';

describe('Wi-Fi connect and Troubleshoot in the real extension host', () => {
  const fixture = useLab({ server: runAdbServer });

  before(async () => {
    const api = await activeApi();
    await until(api, () => api.pollerState === 'running' && api.servers.every((s) => s.status === 'connected'), 10_000, 'running');
  });

  it('connects a device over Wi-Fi without a refresh, and disconnects it from its row command', async () => {
    const api = await activeApi();
    const sim = await fixture.lab.addDevice();
    const serial = `127.0.0.1:${sim.port}`;
    fixture.detachAfter(serial);
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
    const sim = await fixture.lab.addDevice({ state: 'unauthorized' });
    const serial = `127.0.0.1:${sim.port}`;
    fixture.detachAfter(serial);
    await fixture.adb.connect(sim.port).catch(() => undefined);
    await until(api, () => api.devices.some((d) => d.serial === serial && d.state === 'unauthorized'), 10_000, 'the unauthorized device');
    const document = await vscode.commands.executeCommand<vscode.TextDocument>(`${SECTION}.troubleshoot`);
    const text = document.getText();
    // Every place looked at, in the locator's order, and the one that won.
    assert.match(text, /Looked at, in order:\n\n1\. /);
    const used = text.match(/^\d+\. (setting|ANDROID_HOME|ANDROID_SDK_ROOT|Android Studio|PATH): `[^`]*adb`: \*\*used\*\*$/m);
    assert.ok(used, 'one place is marked as used');
    const studio = text.indexOf('Android Studio: `');
    if (studio >= 0) assert.ok(studio < text.indexOf('PATH: `'), "Android Studio's SDK folder is looked at before PATH");
    assert.match(text, /Version: Android Debug Bridge version 1\.0\.\d+/);
    assert.match(text, new RegExp(`127\\.0\\.0\\.1:${process.env.ANDROID_ADB_SERVER_PORT} \\| connected \\| \\d+ \\(matches adb\\)`));
    // adb 29 is too old to pair; Debian's adb 34 pairs with a code only (built without mDNS).
    assert.match(text, new RegExp(`## Wireless pairing\\n\\n- 127\\.0\\.0\\.1:${process.env.ANDROID_ADB_SERVER_PORT}: (cannot pair: too old|pairs with a pairing code only: this adb was built without mDNS)`));
    assert.match(text, /- State: running/);
    assert.match(text, new RegExp(`127\\.0\\.0\\.1:${sim.port} \\|[^\\n]*unauthorized \\| Accept the "Allow USB debugging" prompt`));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
