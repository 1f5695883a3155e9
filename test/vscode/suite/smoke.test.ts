// Runs first inside a real VS Code extension host: the extension as VS Code itself loads it from
// package.json, with what it promises there (activation event, commands and their titles) and
// what it hands other extensions (its API).
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AndroidDeviceWatcherApi } from '../../../src/devices/ui/api';
import { EXTENSION_ID, SECTION } from './helpers';

const POLLER_STATES = ['idle', 'starting', 'running', 'paused', 'stopping', 'stopped', 'restarting', 'crashed', 'killed', 'disposed'];

interface ContributedCommand {
  command: string;
  title: string;
  category?: string;
}

describe('Android Device Watcher in a real VS Code', () => {
  let extension: vscode.Extension<AndroidDeviceWatcherApi>;

  before(() => {
    const found = vscode.extensions.getExtension<AndroidDeviceWatcherApi>(EXTENSION_ID);
    assert.ok(found, `${EXTENSION_ID} is not among ${vscode.extensions.all.length} loaded extensions`);
    extension = found;
  });

  it('is loaded from the development folder, activates on start-up finished, and hands out its API', async () => {
    const manifest = JSON.parse(await fs.readFile(path.join(extension.extensionPath, 'package.json'), 'utf8'));
    assert.equal(extension.packageJSON.name, manifest.name);
    // At start-up, and for a window that opens with a device's folder (its provider must be there).
    assert.deepEqual(extension.packageJSON.activationEvents, ['onStartupFinished', 'onFileSystem:android-device']);
    const api = await extension.activate();
    assert.equal(extension.isActive, true);
    assert.equal(api, extension.exports);
    assert.equal(api.version, 1);
    assert.ok(POLLER_STATES.includes(api.pollerState), `pollerState ${api.pollerState}`);
    assert.ok(Array.isArray(api.devices) && Array.isArray(api.servers));
    for (const event of [api.onDidChangeDevices, api.onDidChangePollerState, api.onDidChangeSelectedDevice]) {
      const subscription = event(() => undefined);
      assert.equal(typeof subscription.dispose, 'function');
      subscription.dispose();
    }
  });

  it('registers every command it contributes, each titled in the Android Devices category from package.nls.json', async () => {
    const raw = JSON.parse(await fs.readFile(path.join(extension.extensionPath, 'package.json'), 'utf8'));
    const nls: Record<string, string> = JSON.parse(await fs.readFile(path.join(extension.extensionPath, 'package.nls.json'), 'utf8'));
    const contributed = raw.contributes.commands as ContributedCommand[];
    const registered = new Set(await vscode.commands.getCommands(true));
    // VS Code shows the manifest with its %placeholders% replaced from package.nls.json.
    const shown = new Map((extension.packageJSON.contributes.commands as ContributedCommand[]).map((c) => [c.command, c]));
    assert.ok(contributed.length > 0, 'no commands contributed');
    for (const { command, title, category } of contributed) {
      assert.ok(command.startsWith(`${SECTION}.`), command);
      assert.ok(registered.has(command), `${command} is contributed but not registered`);
      const key = /^%(.+)%$/.exec(title)?.[1];
      assert.ok(key && nls[key], `${command}: title ${title} is not in package.nls.json`);
      assert.equal(shown.get(command)?.title, nls[key], `${command} is shown as ${shown.get(command)?.title}`);
      const categoryKey = /^%(.+)%$/.exec(category ?? '')?.[1];
      assert.equal(categoryKey, 'category', `${command}: category ${category}`);
      assert.equal(shown.get(command)?.category, nls.category, command);
    }
  });

  // Later tests hand the extension host e.g. ANDROID_ADB_SERVER_PORT the same way.
  it("receives the runner's environment", () => {
    assert.ok(['code-server', 'electron'].includes(process.env.ADW_VSCODE_TEST_RUNNER ?? ''), `ADW_VSCODE_TEST_RUNNER=${process.env.ADW_VSCODE_TEST_RUNNER}`);
  });
});
