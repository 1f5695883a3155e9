// Runs inside a real VS Code extension host: the extension as VS Code itself loads it from package.json.
import * as assert from 'assert';
import * as vscode from 'vscode';

const EXTENSION_ID = 'android-device-watcher.android-device-watcher';

describe('Android Device Watcher in a real VS Code', () => {
  it('is loaded from the development folder and activates', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not among ${vscode.extensions.all.length} loaded extensions`);
    await extension.activate();
    assert.strictEqual(extension.isActive, true);
  });

  it('runs in a genuine VS Code host', () => {
    assert.ok(vscode.env.appName, 'vscode.env.appName');
    assert.ok(vscode.env.appHost, 'vscode.env.appHost');
    assert.ok(vscode.env.machineId, 'vscode.env.machineId');
    assert.match(vscode.version, /^1\.\d+\.\d+/);
    assert.ok(Object.values(vscode.UIKind).includes(vscode.env.uiKind), 'vscode.env.uiKind');
  });

  // Later tests hand the extension host e.g. ANDROID_ADB_SERVER_PORT the same way.
  it("receives the runner's environment", () => {
    assert.ok(['code-server', 'electron'].includes(process.env.ADW_VSCODE_TEST_RUNNER ?? ''), `ADW_VSCODE_TEST_RUNNER=${process.env.ADW_VSCODE_TEST_RUNNER}`);
  });
});
