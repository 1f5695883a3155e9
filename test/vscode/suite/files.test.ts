// A device's storage through VS Code's own file API in the real extension host: the
// `android-device` provider over the run's private adb server and a simulated device. A file is
// listed, opened as a document, edited, saved and read back from the device; errors arrive as
// VS Code's FileSystemErrors; a device that leaves makes its files unavailable, and they come back
// with it.

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { useLab } from '../../support/labFixture';
import { activeApi, runAdbServer, until } from './helpers';

function deviceUri(serial: string, server: string, path: string): vscode.Uri {
  return vscode.Uri.from({ scheme: 'android-device', authority: `${serial}@${server}`, path });
}

async function rejectsAs(code: string, promise: Thenable<unknown>): Promise<void> {
  await assert.rejects(Promise.resolve(promise), (error: unknown) => {
    assert.ok(error instanceof vscode.FileSystemError, String(error));
    assert.equal(error.code, code, error.message);
    return true;
  });
}

describe('a device\'s files in the real extension host (android-device://)', () => {
  const fixture = useLab({ server: runAdbServer });
  let serial: string;
  let server: string;
  let port: number;
  const uri = (path: string) => deviceUri(serial, server, path);

  before(async () => {
    const api = await activeApi();
    const attached = await fixture.attach();
    serial = attached.serial;
    port = attached.sim.port;
    await until(api, () => api.devices.some((d) => d.serial === serial && d.state === 'device'), 10_000, 'the device ready');
    server = api.devices.find((d) => d.serial === serial)!.server;
    await fixture.lab.control(port, 'files', 'write', { path: '/sdcard/Download/notes.txt', text: 'first line\n' });
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('lists /sdcard (a link, followed) and reads a file', async () => {
    const sdcard = await vscode.workspace.fs.stat(uri('/sdcard'));
    assert.equal(sdcard.type, vscode.FileType.Directory | vscode.FileType.SymbolicLink);
    const entries = new Map(await vscode.workspace.fs.readDirectory(uri('/sdcard')));
    assert.equal(entries.get('Download'), vscode.FileType.Directory);
    const text = Buffer.from(await vscode.workspace.fs.readFile(uri('/sdcard/Download/notes.txt'))).toString('utf8');
    assert.equal(text, 'first line\n');
  });

  it('opens a file as a document, edits and saves it, and the device has the new text', async () => {
    const document = await vscode.workspace.openTextDocument(uri('/sdcard/Download/notes.txt'));
    const editor = await vscode.window.showTextDocument(document);
    await editor.edit((edit) => edit.insert(new vscode.Position(1, 0), 'second line\n'));
    assert.ok(await document.save(), 'saved');
    const stored = (await fixture.lab.control(port, 'files', 'read', { path: '/sdcard/Download/notes.txt' })) as { base64: string };
    assert.equal(Buffer.from(stored.base64, 'base64').toString('utf8'), 'first line\nsecond line\n');
  });

  it('creates a folder, copies a file in, renames and deletes it', async () => {
    await vscode.workspace.fs.createDirectory(uri('/sdcard/Download/new folder'));
    await vscode.workspace.fs.writeFile(uri("/sdcard/Download/new folder/it's.bin"), Buffer.from([0, 1, 2, 255]));
    await vscode.workspace.fs.rename(uri("/sdcard/Download/new folder/it's.bin"), uri('/sdcard/Download/new folder/moved.bin'));
    assert.deepEqual([...(await vscode.workspace.fs.readFile(uri('/sdcard/Download/new folder/moved.bin')))], [0, 1, 2, 255]);
    await rejectsAs('FileExists', vscode.workspace.fs.rename(uri('/sdcard/Download/notes.txt'), uri('/sdcard/Download/new folder/moved.bin'), { overwrite: false }));
    await vscode.workspace.fs.delete(uri('/sdcard/Download/new folder'), { recursive: true });
    await rejectsAs('FileNotFound', vscode.workspace.fs.stat(uri('/sdcard/Download/new folder')));
  });

  it('says why as VS Code does: not found, no permission, not a folder', async () => {
    await rejectsAs('FileNotFound', vscode.workspace.fs.readFile(uri('/sdcard/none.txt')));
    await rejectsAs('NoPermissions', vscode.workspace.fs.readDirectory(uri('/data')));
    await rejectsAs('NoPermissions', vscode.workspace.fs.writeFile(uri('/system/x.txt'), Buffer.from('x')));
    await rejectsAs('FileNotADirectory', vscode.workspace.fs.readDirectory(uri('/sdcard/Download/notes.txt')));
  });

  it('is unavailable while the device is away, and its files come back with it', async () => {
    const api = await activeApi();
    await fixture.adb.disconnect(port);
    await until(api, () => !api.devices.some((d) => d.serial === serial), 10_000, 'the device gone');
    await rejectsAs('Unavailable', vscode.workspace.fs.stat(uri('/sdcard')));
    await fixture.adb.connect(port);
    await until(api, () => api.devices.some((d) => d.serial === serial && d.state === 'device'), 10_000, 'the device back');
    assert.equal((await vscode.workspace.fs.stat(uri('/sdcard/Download/notes.txt'))).size, 'first line\nsecond line\n'.length);
  });
});
