// The files capability below the UI (src/files/model): a simulated device's storage through the
// real worker and a real adb server, over adb's sync protocol and exec: commands. Files round trip
// byte for byte across the 64 KiB chunk boundary; folders list whole; every error has its kind and
// adbd's words; hostile names stay names; a device unplugged mid-transfer is `unavailable`, and
// no partial file passes for a written one.

import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createPoller, Harness, watcherModelOn } from '../../lab/pollerHarness';
import type { SimFileInfo } from '../../lab/sim/filesCapability';
import { waitUntil } from '../../lab/wait';
import { WatcherModel } from '../../src/devices/model/watcherModel';
import { DeviceAddress, DeviceFileError, DeviceFiles, FileErrorKind } from '../../src/files/model/deviceFiles';
import { useLab } from '../support/labFixture';


async function failsWith(kind: FileErrorKind, promise: Promise<unknown>, words?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DeviceFileError, String(error));
    assert.equal(error.kind, kind, error.message);
    if (words) assert.match(error.message, words);
    return true;
  });
}

describe('a device\'s files through the worker and a real adb server (sync: and exec:)', function () {
  const fixture = useLab();
  let harness: Harness;
  let model: WatcherModel;
  let files: DeviceFiles;
  let address: DeviceAddress;
  let port: number;

  before(async () => {
    const attached = await fixture.attach();
    port = attached.sim.port;
    harness = createPoller({ servers: [fixture.adb.address] });
    model = watcherModelOn(harness.supervisor);
    files = new DeviceFiles(model);
    await harness.supervisor.start();
    address = { server: fixture.adb.address, serial: attached.serial };
    await waitUntil(() => model.devices.find((d) => d.serial === attached.serial && d.state === 'device'), 10_000, 'the device ready', { on: [model.onDidChange] });
  });
  after(async () => {
    files?.dispose();
    model?.dispose();
    await harness?.supervisor.dispose();
  });

  const control = <T>(action: string, payload: unknown) => fixture.lab.control(port, 'files', action, payload) as Promise<T>;

  it('round-trips files byte for byte: empty, 1 byte, the 64 KiB chunk and one past it, 3 MB', async () => {
    for (const size of [0, 1, 65_536, 65_537, 3 * 1024 * 1024 + 5]) {
      const bytes = randomBytes(size);
      const path = `/sdcard/Download/round-${size}.bin`;
      const progress: number[] = [];
      assert.deepEqual(await files.write(address, path, bytes, { create: true, overwrite: false }, (done) => progress.push(done)), { created: true });
      const stored = await control<SimFileInfo & { base64: string }>('read', { path });
      assert.equal(stored.size, size);
      assert.ok(Buffer.from(stored.base64, 'base64').equals(bytes), `${size} bytes stored as sent`);
      assert.ok(Buffer.from(await files.read(address, path)).equals(bytes), `${size} bytes read back`);
      assert.equal(progress.at(-1) ?? 0, size, 'the progress ends at the size');
      assert.deepEqual(progress, [...progress].sort((a, b) => a - b), 'the progress only grows');
    }
  });

  it('states files, folders and the /sdcard link (followed to its folder)', async () => {
    const sdcard = await files.stat(address, '/sdcard');
    assert.deepEqual([sdcard.type, sdcard.symbolicLink], ['folder', true]);
    await control('write', { path: '/sdcard/Download/note.txt', text: 'hello', mtime: 1_765_000_000 });
    const note = await files.stat(address, '/sdcard/Download/note.txt');
    assert.deepEqual([note.type, note.size, note.mtime], ['file', 5, 1_765_000_000_000]);
    await failsWith('not-found', files.stat(address, '/sdcard/Download/nothing-here'));
  });

  it('lists a folder of 10,000 entries whole, and tells folders from files', async () => {
    await control('populate', { dir: '/sdcard/Many', count: 10_000, bytes: 3 });
    await control('mkdir', { path: '/sdcard/Many/sub' });
    const entries = await files.list(address, '/sdcard/Many');
    assert.equal(entries.length, 10_001);
    assert.equal(new Set(entries.map(([name]) => name)).size, 10_001);
    assert.deepEqual(entries.find(([name]) => name === 'sub')?.[1].type, 'folder');
    assert.deepEqual(entries.find(([name]) => name === 'file-9999')?.[1].size, 3);
  });

  it('says what adbd says: no such file, not a folder, a folder not listable, a read-only one', async () => {
    await failsWith('not-found', files.read(address, '/sdcard/none.txt'), /No such file or directory/);
    await failsWith('not-a-folder', files.list(address, '/sdcard/Download/note.txt'));
    await failsWith('no-permission', files.list(address, '/data'), /Permission denied/);
    await failsWith('no-permission', files.write(address, '/system/new.txt', Buffer.from('x'), { create: true, overwrite: true }), /Read-only file system|Permission denied/);
    await failsWith('exists', files.write(address, '/sdcard/Download/note.txt', Buffer.from('x'), { create: true, overwrite: false }));
    await failsWith('not-found', files.write(address, '/sdcard/Download/absent.txt', Buffer.from('x'), { create: false, overwrite: true }));
    // After refusals the session goes on: the next request is answered.
    assert.equal((await files.stat(address, '/sdcard/Download/note.txt')).size, 5);
  });

  it('keeps hostile names names: spaces, quotes, unicode, a newline, a leading dash', async () => {
    const names = ["it's here.txt", 'a b', '-rf', '$(reboot)', 'ünïcødé 文件', 'new\nline', '`id`'];
    for (const name of names) {
      const path = `/sdcard/Download/${name}`;
      await files.write(address, path, Buffer.from(name), { create: true, overwrite: false });
      assert.equal(Buffer.from(await files.read(address, path)).toString('utf8'), name);
      await files.rename(address, path, `${path}.moved`, false);
      await failsWith('not-found', files.stat(address, path));
      await files.delete(address, `${path}.moved`, false);
      await failsWith('not-found', files.stat(address, `${path}.moved`));
    }
    await files.makeFolder(address, "/sdcard/Download/dir with 'quote'/inner");
    assert.equal((await files.stat(address, "/sdcard/Download/dir with 'quote'/inner")).type, 'folder');
    await failsWith('other', files.delete(address, "/sdcard/Download/dir with 'quote'", false), /not empty/);
    await files.delete(address, "/sdcard/Download/dir with 'quote'", true);
    await failsWith('not-found', files.stat(address, "/sdcard/Download/dir with 'quote'"));
  });

  it('refuses a rename onto an existing file unless asked to overwrite', async () => {
    await control('write', { path: '/sdcard/Download/one.txt', text: 'one' });
    await control('write', { path: '/sdcard/Download/two.txt', text: 'two' });
    await failsWith('exists', files.rename(address, '/sdcard/Download/one.txt', '/sdcard/Download/two.txt', false));
    assert.deepEqual(await files.write(address, '/sdcard/Download/one.txt', Buffer.from('one'), { create: true, overwrite: true }), { created: false }, 'written over');
    await files.rename(address, '/sdcard/Download/one.txt', '/sdcard/Download/two.txt', true);
    assert.equal(Buffer.from(await files.read(address, '/sdcard/Download/two.txt')).toString('utf8'), 'one');
  });

  it('is unavailable while the watcher is paused, and works again after resume', async () => {
    await harness.supervisor.pause();
    await failsWith('unavailable', files.stat(address, '/sdcard'));
    await harness.supervisor.resume();
    await waitUntil(() => model.devices.find((d) => d.serial === address.serial && d.state === 'device'), 10_000, 'the device listed again', { on: [model.onDidChange] });
    assert.equal((await files.stat(address, '/sdcard')).type, 'folder');
  });

  it('asked before the watcher has listed the device (a window opened with its folder), answers once it has', async () => {
    const early = createPoller({ servers: [fixture.adb.address] });
    const earlyModel = watcherModelOn(early.supervisor);
    const earlyFiles = new DeviceFiles(earlyModel);
    try {
      const asked = earlyFiles.stat(address, '/sdcard');
      await early.supervisor.start();
      assert.equal((await asked).type, 'folder');
    } finally {
      earlyFiles.dispose();
      earlyModel.dispose();
      await early.supervisor.dispose();
    }
  });

  it('unplugged during a write: unavailable, and no file passes for a written one', async () => {
    const bytes = randomBytes(24 * 1024 * 1024);
    const path = '/sdcard/Download/cut.bin';
    let unplugged = false;
    const writing = files.write(address, path, bytes, { create: true, overwrite: true }, (done) => {
      if (!unplugged && done >= 4 * 1024 * 1024) {
        unplugged = true;
        void fixture.adb.disconnect(port);
      }
    });
    await failsWith('unavailable', writing);
    const stored = await control<SimFileInfo[]>('list', { path: '/sdcard/Download' });
    const cut = stored.find((entry) => entry.name === 'cut.bin');
    assert.ok(!cut || cut.size < bytes.length, 'whatever is left is not the whole file');
    await failsWith('unavailable', files.stat(address, '/sdcard'), /not connected/);
  });
});
