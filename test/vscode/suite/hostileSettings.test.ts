// In the real extension host: settings given wrong types, out-of-range numbers, malformed server
// addresses and relative adb paths fall back without a crash; a workspace cannot set the adb
// executable (machine scope). (Hostile device data is in test/vscode/ui/hostileWorkspaceAndDevice.test.ts: attaching a
// device here would become the selection the later suites start from.)

import * as assert from 'node:assert/strict';
import { setTimeout as letTimePass } from 'node:timers/promises';
import * as vscode from 'vscode';
import type { PollerState } from '../../../src/core/supervisor/pollerSupervisor';
import { activeApi, SECTION, until } from './helpers';

describe('hostile settings in the real extension host', () => {
  const localServer = () => `127.0.0.1:${process.env.ANDROID_ADB_SERVER_PORT}`;

  before(async () => {
    const api = await activeApi();
    await until(api, () => api.pollerState === 'running' && api.servers.some((s) => s.status === 'connected'), 10_000, 'running');
  });

  it('keeps running on the fallbacks when every setting holds a wrong type or an out-of-range value', async () => {
    const api = await activeApi();
    const configuration = vscode.workspace.getConfiguration(SECTION);
    const states: PollerState[] = [];
    const subscription = api.onDidChangePollerState((state) => states.push(state));
    const bad: Record<string, unknown> = {
      pollIntervalMs: 'fast',
      stopDeadlineMs: -5,
      adbServers: ['; touch /tmp/adw-pwned:5037', 'host:99999', 42, '$(reboot)'],
      adbPath: 'platform-tools/adb',
      startAdbServer: 'yes',
      notifyOnDisconnect: 3,
      setAndroidSerial: 'no',
    };
    try {
      for (const [key, value] of Object.entries(bad)) {
        await configuration.update(key, value, vscode.ConfigurationTarget.Global);
      }
      // Every value falls back to what was in force, so the poller's config is unchanged and no
      // restart happens; the watcher keeps its one server. No event says "settings were read and
      // applied" (the listener finds adb on disk, then reconfigures): give it half a second.
      await letTimePass(500);
      await vscode.commands.executeCommand(`${SECTION}.refresh`);
      await until(api, () => api.pollerState === 'running', 5000, 'running');
      assert.deepEqual(api.servers.map((s) => s.address), [localServer()]);
      assert.deepEqual(states, [], 'the watcher was not restarted or stopped');
      for (const [key, value] of Object.entries(bad)) {
        assert.deepEqual(configuration.inspect(key)?.globalValue, value, `${key} was written as given`);
      }
    } finally {
      subscription.dispose();
      for (const key of Object.keys(bad)) {
        await configuration.update(key, undefined, vscode.ConfigurationTarget.Global);
      }
    }
  });

  it('refuses to take the adb executable from the workspace (machine scope)', async () => {
    const configuration = vscode.workspace.getConfiguration(SECTION);
    const evil = '/tmp/adw-workspace-adb/adb';
    await assert.rejects(Promise.resolve(configuration.update('adbPath', evil, vscode.ConfigurationTarget.Workspace)), /adbPath|machine|User settings|Workspace/i);
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the suite runs in a folder');
    await assert.rejects(
      Promise.resolve(vscode.workspace.getConfiguration(SECTION, folder.uri).update('adbPath', evil, vscode.ConfigurationTarget.WorkspaceFolder)),
      /adbPath|machine|User settings|Folder/i,
    );
    const inspected = vscode.workspace.getConfiguration(SECTION, folder.uri).inspect<string>('adbPath');
    assert.equal(inspected?.workspaceValue, undefined);
    assert.equal(inspected?.workspaceFolderValue, undefined);
    assert.notEqual(vscode.workspace.getConfiguration(SECTION).get('adbPath'), evil);
    // The same setting is declared machine-scoped and restricted in untrusted workspaces.
    const manifest = vscode.extensions.getExtension('android-device-watcher.android-device-watcher')!.packageJSON;
    assert.equal(manifest.contributes.configuration.properties[`${SECTION}.adbPath`].scope, 'machine');
    assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(`${SECTION}.adbPath`));
  });
});
