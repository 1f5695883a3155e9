// Last in the suite (files run in name order): deactivating leaves no worker and no adb connection.

import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { connectionsTo } from '../../../lab/resources';
import { activeApi, EXTENSION_ID } from './helpers';

describe('deactivate', () => {
  // How long it takes is the benchmark's figure (dispose of a running watcher); here: what it leaves.
  it('disposes the watcher, leaving no worker and no connection behind', async () => {
    const api = await activeApi();
    const port = Number(process.env.ANDROID_ADB_SERVER_PORT);
    assert.ok((await connectionsTo(port)) >= 1, 'the watcher holds its push stream while running');
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    // The very module VS Code loaded (same require cache), so this is the host's own deactivate.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(path.join(extension.extensionPath, 'dist', 'extension.js')) as { deactivate(): Promise<void> | undefined };
    await module.deactivate();
    assert.equal(api.pollerState, 'disposed');
    assert.equal(await connectionsTo(port), 0, 'no adb connection left');
  });
});
