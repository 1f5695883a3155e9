// A simulated device's files through the real adb server and the real adb command line: push and
// pull (sync: SEND/RECV or their v2 forms), adb ls (LIST/LIS2), stat (STA2/LST2), the file shell
// commands with sh quoting, and run-as.

import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PrivateAdbServer, labAdbRelease } from '../../lab/adbServerProcess';
import type { SimFileInfo } from '../../lab/sim/filesCapability';
import { SimulatedLab } from '../../lab/sim/labClient';
import { AdbRun, runAdb } from '../support/adbCli';
import { useLab } from '../support/labFixture';

const SETTLE_MS = 10_000;

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `'…'` quoting for the device's sh, as the product will send a name. */
function quoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

describe('simulated device files through the adb CLI', function () {
  const fixture = useLab();
  let adb: PrivateAdbServer;
  let lab: SimulatedLab;
  let serial: string;
  let port: number;
  let local: string;

  before(async function () {
    ({ adb, lab } = fixture);
    local = await fs.mkdtemp(path.join(os.tmpdir(), 'sim-files-'));
    const attached = await fixture.attach();
    serial = attached.serial;
    port = attached.sim.port;
    await adb.waitForDevice(serial, 'device', SETTLE_MS);
  });

  after(async function () {
    if (local) await fs.rm(local, { recursive: true, force: true });
  });

  const adbOn = (...args: string[]) => runAdb(adb, ['-s', serial, ...args]);
  const text = (run: AdbRun) => run.stdout.toString('utf8');
  const said = (run: AdbRun) => text(run) + run.stderr;

  it('announces the sync features it implements: stat_v2, ls_v2, sendrecv_v2', async function () {
    const run = await adbOn('features');
    assert.equal(run.code, 0, run.stderr);
    const features = text(run).trim().split(/\s+/);
    // A server lists only the features it knows too: sendrecv_v2 came with adb 30.
    const expected = ['shell_v2', 'stat_v2', 'ls_v2', ...((await labAdbRelease()) >= 30 ? ['sendrecv_v2'] : [])];
    for (const feature of expected) assert.ok(features.includes(feature), `${feature} in ${features}`);
    // No compression is announced, so no transfer asks for one.
    assert.ok(!features.some((feature) => /^sendrecv_v2_(brotli|lz4|zstd)$/.test(feature)), String(features));
  });

  for (const size of [0, 1, 65_536, 65_537, 10 * 1024 * 1024]) {
    it(`pushes and pulls ${size} bytes back byte for byte`, async function () {
      const bytes = randomBytes(size);
      const source = path.join(local, `up-${size}.bin`);
      const back = path.join(local, `down-${size}.bin`);
      await fs.writeFile(source, bytes);
      const remote = `/sdcard/Download/round-trip-${size}.bin`;

      const push = await adbOn('push', source, remote);
      assert.equal(push.code, 0, push.stderr);
      const onDevice = await lab.control<SimFileInfo & { base64: string }>(port, 'files', 'read', { path: remote });
      assert.equal(onDevice.size, size);
      assert.equal(sha256(Buffer.from(onDevice.base64, 'base64')), sha256(bytes));

      const pull = await adbOn('pull', remote, back);
      assert.equal(pull.code, 0, pull.stderr);
      assert.equal(sha256(await fs.readFile(back)), sha256(bytes));
    });
  }

  it('pushes and pulls 100 MB back byte for byte, stored as it came', async function () {
    this.timeout(60_000);
    const size = 100 * 1024 * 1024;
    const bytes = randomBytes(size);
    const source = path.join(local, 'up-100MB.bin');
    const back = path.join(local, 'down-100MB.bin');
    await fs.writeFile(source, bytes);
    const push = await adbOn('push', source, '/sdcard/Movies/large.bin');
    assert.equal(push.code, 0, push.stderr);
    const pull = await adbOn('pull', '/sdcard/Movies/large.bin', back);
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal(sha256(await fs.readFile(back)), sha256(bytes));
    const info = await lab.control<SimFileInfo>(port, 'files', 'stat', { path: '/sdcard/Movies/large.bin', follow: true });
    assert.equal(info.size, size);
  });

  it('served those transfers in the forms the client chose: v2 from adb 34 on, v1 from adb 29', async function () {
    const counts = await lab.control<Record<string, number>>(port, 'files', 'syncRequests');
    const said = JSON.stringify(counts);
    if ((await labAdbRelease()) >= 30) {
      // A file under 64 KiB still goes in one SEND v1 write (SendSmallFile); larger ones as SND2.
      assert.ok((counts.SND2 ?? 0) >= 2, said);
      assert.ok((counts.RCV2 ?? 0) >= 5, said);
      assert.equal(counts.RECV, undefined, said);
    } else {
      assert.ok((counts.SEND ?? 0) >= 5, said);
      assert.ok((counts.RECV ?? 0) >= 5, said);
      assert.equal((counts.SND2 ?? 0) + (counts.RCV2 ?? 0), 0, said);
    }
    assert.ok((counts.STA2 ?? 0) + (counts.LST2 ?? 0) > 0, said);
  });

  it('makes the missing folders of a push, widens the mode as adbd does, and keeps the mtime', async function () {
    const source = path.join(local, 'private.txt');
    await fs.writeFile(source, 'secret\n');
    await fs.chmod(source, 0o600);
    await fs.utimes(source, 1_700_000_000, 1_700_000_000);
    const push = await adbOn('push', source, '/sdcard/Documents/new/deeper/private.txt');
    assert.equal(push.code, 0, push.stderr);
    const info = await lab.control<SimFileInfo>(port, 'files', 'stat', { path: '/sdcard/Documents/new/deeper/private.txt', follow: true });
    // send_impl copies the user bits to group and other: 0600 becomes 0666.
    assert.equal(info.mode & 0o777, 0o666);
    // adb push sends the local mtime in DONE (without -a on adb 29 too).
    assert.equal(info.mtime, 1_700_000_000);
    assert.equal((await lab.control<SimFileInfo>(port, 'files', 'stat', { path: '/sdcard/Documents/new/deeper' })).type, 'dir');
  });

  it("gives adb's texts for a missing file, a read-only folder and one it may not read", async function () {
    const missing = await adbOn('pull', '/sdcard/Download/nope.bin', path.join(local, 'nope.bin'));
    assert.notEqual(missing.code, 0);
    // adb 29 prints its errors on stdout, adb 34 on stderr; the text is the client's from STA2's errno.
    assert.match(said(missing), /adb: error: failed to stat remote object '\/sdcard\/Download\/nope\.bin': No such file or directory/);

    const denied = await adbOn('pull', '/data/data/com.android.chrome/files/notes.txt', path.join(local, 'notes.txt'));
    assert.notEqual(denied.code, 0);
    assert.match(said(denied), /failed to stat remote object '\/data\/data\/com\.android\.chrome\/files\/notes\.txt': Permission denied/);

    const source = path.join(local, 'ro.txt');
    await fs.writeFile(source, 'x');
    const readOnly = await adbOn('push', source, '/system/ro.txt');
    assert.notEqual(readOnly.code, 0);
    assert.match(said(readOnly), /couldn't create file: Read-only file system/);

    const ls = await adbOn('shell', 'ls', '/data');
    assert.equal(ls.code, 1);
    assert.equal(ls.stderr, 'ls: /data: Permission denied\n');
    const lsMissing = await adbOn('shell', 'ls', '/sdcard/nope');
    assert.equal(lsMissing.code, 1);
    assert.equal(lsMissing.stderr, 'ls: /sdcard/nope: No such file or directory\n');
  });

  it('lists a folder of 10,000 entries with adb shell ls and adb ls', async function () {
    await lab.control(port, 'files', 'populate', { dir: '/sdcard/Pictures/many', count: 10_000, prefix: 'IMG_', bytes: 3 });
    const shell = await adbOn('shell', 'ls', '/sdcard/Pictures/many');
    assert.equal(shell.code, 0, shell.stderr);
    const names = text(shell).split('\n').filter(Boolean);
    assert.equal(names.length, 10_000);
    assert.deepEqual(names, [...names].sort());
    assert.ok(names.includes('IMG_9999'));

    const sync = await adbOn('ls', '/sdcard/Pictures/many/');
    assert.equal(sync.code, 0, sync.stderr);
    const lines = text(sync).split('\n').filter(Boolean);
    // readdir's `.` and `..` come too; each line is mode, size and mtime in hex, then the name.
    assert.equal(lines.length, 10_002);
    assert.ok(lines.some((line) => /^000081b0 00000003 [0-9a-f]{8} IMG_0$/.test(line)), lines.slice(0, 3).join('\n'));
  });

  it('prints ls -la as toybox does', async function () {
    await lab.control(port, 'files', 'write', { path: '/sdcard/Music/song.mp3', text: 'ID3', mtime: 1_700_000_000 });
    const run = await adbOn('shell', 'ls', '-la', '/sdcard/Music');
    assert.equal(run.code, 0, run.stderr);
    const lines = text(run).split('\n').filter(Boolean);
    assert.match(lines[0], /^total \d+$/);
    assert.match(lines[1], /^drwxrwx--- +\d+ root +everybody +4096 \d{4}-\d\d-\d\d \d\d:\d\d \.$/);
    assert.match(lines[2], /^drwxrwx--- +\d+ root +everybody +4096 \d{4}-\d\d-\d\d \d\d:\d\d \.\.$/);
    assert.match(lines[3], /^-rw-rw---- +1 root +everybody +3 2023-11-14 22:13 song\.mp3$/);
    const link = await adbOn('shell', 'ls', '-l', '/sdcard');
    assert.match(text(link), /^lrwxrwxrwx 1 root root \d+ \d{4}-\d\d-\d\d \d\d:\d\d \/sdcard -> \/storage\/self\/primary\n$/);
  });

  it("takes sh-quoted names in ls, mv, mkdir -p and rm (a name 'it'\\''s here')", async function () {
    const name = "/sdcard/Download/it's here.txt";
    await lab.control(port, 'files', 'write', { path: name, text: 'quoted' });
    const ls = await adbOn('shell', `ls -l ${quoted(name)}`);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(text(ls), /it's here\.txt\n$/);

    const made = await adbOn('shell', `mkdir -p ${quoted('/sdcard/Download/a b/c')}`);
    assert.equal(made.code, 0, made.stderr);
    const moved = await adbOn('shell', `mv ${quoted(name)} ${quoted('/sdcard/Download/a b/c')}`);
    assert.equal(moved.code, 0, moved.stderr);
    const inside = await lab.control<SimFileInfo[]>(port, 'files', 'list', { path: '/sdcard/Download/a b/c' });
    assert.deepEqual(inside.map((entry) => entry.name), ["it's here.txt"]);

    const removed = await adbOn('shell', `rm -rf ${quoted('/sdcard/Download/a b')}`);
    assert.equal(removed.code, 0, removed.stderr);
    await assert.rejects(lab.control(port, 'files', 'stat', { path: '/sdcard/Download/a b' }), /No such file or directory/);
    assert.equal((await adbOn('shell', `rm -f ${quoted('/sdcard/Download/a b')}`)).code, 0);
    const rmMissing = await adbOn('shell', `rm ${quoted('/sdcard/Download/a b')}`);
    assert.equal(rmMissing.code, 1);
    assert.equal(rmMissing.stderr, 'rm: /sdcard/Download/a b: No such file or directory\n');
  });

  it("reaches a debuggable app's files through run-as and refuses other packages", async function () {
    const direct = await adbOn('shell', 'ls', '/data/data/com.example.debuggable/files');
    assert.equal(direct.code, 1);
    assert.match(direct.stderr, /Permission denied/);

    const listed = await adbOn('shell', 'run-as', 'com.example.debuggable', 'ls', 'files');
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(text(listed), 'notes.txt\n');
    const read = await adbOn('shell', 'run-as', 'com.example.debuggable', 'cat', 'files/notes.txt');
    assert.equal(text(read), 'notes of com.example.debuggable\n');
    const made = await adbOn('shell', 'run-as', 'com.example.debuggable', 'mkdir', '-p', 'files/logs');
    assert.equal(made.code, 0, made.stderr);
    assert.equal((await lab.control<SimFileInfo>(port, 'files', 'stat', { path: '/data/data/com.example.debuggable/files/logs' })).uid, 10_123);

    const chrome = await adbOn('shell', 'run-as', 'com.android.chrome', 'ls');
    assert.equal(chrome.code, 1);
    assert.equal(chrome.stderr, 'run-as: package not debuggable: com.android.chrome\n');
    const unknown = await adbOn('shell', 'run-as', 'x', 'ls');
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'run-as: unknown package: x\n');
  });

  it('seeds and inspects files through its control (write, read, chmod, list)', async function () {
    await lab.control(port, 'files', 'write', { path: '/data/local/tmp/tool', base64: Buffer.from([0, 1, 2, 255]).toString('base64'), perm: 0o755 });
    const pulled = await adbOn('exec-out', 'cat', '/data/local/tmp/tool');
    assert.deepEqual([...pulled.stdout], [0, 1, 2, 255]);
    const changed = await lab.control<SimFileInfo>(port, 'files', 'chmod', { path: '/data/local/tmp/tool', perm: 0o700 });
    assert.equal(changed.mode & 0o777, 0o700);
    const listing = await lab.control<SimFileInfo[]>(port, 'files', 'list', { path: '/data/local/tmp' });
    assert.ok(listing.some((entry) => entry.name === 'tool' && entry.size === 4));
  });
});
