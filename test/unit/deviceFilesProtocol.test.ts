// The files capability's pure parts: the sync protocol's frames (AOSP file_sync_protocol.h) and the
// one shell word a path becomes for `exec:` commands, checked against a real POSIX shell (dash).

import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { deleteCommand, makeFolderCommand, renameCommand, shellWord } from '../../src/files/model/deviceShell';
import { dataFrames, doneFrame, pathProblem, sendPayload, SYNC_DATA_MAX, syncRequest } from '../../src/files/model/syncProtocol';

const run = promisify(execFile);

describe('sync protocol frames', () => {
  it('writes a request as its id, the payload length (LE) and the payload, no NUL', () => {
    const frame = syncRequest('STAT', '/sdcard/é x');
    assert.equal(frame.toString('latin1', 0, 4), 'STAT');
    assert.equal(frame.readUInt32LE(4), Buffer.byteLength('/sdcard/é x'));
    assert.equal(frame.subarray(8).toString('utf8'), '/sdcard/é x');
    assert.equal(syncRequest('QUIT').length, 8);
  });

  it('cuts a file into DATA frames of at most 64 KiB, in batches of whole frames, and DONE carries the mtime', () => {
    for (const size of [0, 1, SYNC_DATA_MAX, SYNC_DATA_MAX + 1, 3 * SYNC_DATA_MAX + 7]) {
      for (const batchBytes of [SYNC_DATA_MAX, 2 * SYNC_DATA_MAX, 1024 * 1024]) {
        const bytes = Buffer.from(Array.from({ length: size }, (_, k) => k % 251));
        const batches = [...dataFrames(bytes, batchBytes)];
        assert.equal(batches.reduce((sum, batch) => sum + batch.dataBytes, 0), size);
        const payloads: Buffer[] = [];
        for (const { frames, dataBytes } of batches) {
          assert.ok(dataBytes <= Math.max(SYNC_DATA_MAX, batchBytes));
          let frameData = 0;
          for (let at = 0; at < frames.length; ) {
            assert.equal(frames.toString('latin1', at, at + 4), 'DATA');
            const length = frames.readUInt32LE(at + 4);
            assert.ok(length > 0 && length <= SYNC_DATA_MAX);
            payloads.push(frames.subarray(at + 8, at + 8 + length));
            frameData += length;
            at += 8 + length;
          }
          assert.equal(frameData, dataBytes);
        }
        assert.equal(payloads.length, Math.ceil(size / SYNC_DATA_MAX), `${size} in ${batchBytes}`);
        assert.deepEqual(Buffer.concat(payloads), bytes);
      }
    }
    const done = doneFrame(1_765_000_000);
    assert.equal(done.toString('latin1', 0, 4), 'DONE');
    assert.equal(done.readUInt32LE(4), 1_765_000_000);
    assert.equal(sendPayload('/sdcard/a,b.txt', 0o100644), '/sdcard/a,b.txt,33188');
  });

  it('refuses paths adbd would refuse: relative, with NUL, longer than 1024 bytes', () => {
    assert.equal(pathProblem('/sdcard/x'), undefined);
    assert.match(pathProblem('sdcard/x') ?? '', /not absolute/);
    assert.match(pathProblem('/sdcard/\0x') ?? '', /NUL/);
    assert.match(pathProblem(`/${'é'.repeat(600)}`) ?? '', /path too long/);
  });
});

describe('a path as one word for the device shell', () => {
  it('comes back byte for byte from a real sh, whatever it holds (property)', async () => {
    const names = ["it's", 'a b', '$(reboot)', '`id`', '-rf', '--', 'new\nline', "'", "''", '\\', '*', '; rm -rf /', 'ünïcødé 文件'];
    for (const name of names) {
      const { stdout } = await run('sh', ['-c', `printf %s ${shellWord(name)}`]);
      assert.equal(stdout, name);
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 0, maxLength: 40, unit: 'binary' }).filter((s) => !s.includes('\0')), async (name) => {
        const { stdout } = await run('sh', ['-c', `printf %s ${shellWord(name)}`], { encoding: 'buffer' });
        assert.deepEqual(stdout, Buffer.from(name, 'utf8'));
      }),
      { numRuns: 60, seed: 17 },
    );
  });

  it('puts -- before every path, so a name starting with - is no option', () => {
    assert.equal(makeFolderCommand('/sdcard/-p'), "exec:mkdir -p -- '/sdcard/-p'");
    assert.equal(deleteCommand('/sdcard/-rf', false), "exec:rm -f -- '/sdcard/-rf'");
    assert.equal(deleteCommand('/sdcard/d', true), "exec:rm -rf -- '/sdcard/d'");
    assert.equal(renameCommand("/sdcard/it's", '/sdcard/b c'), "exec:mv -- '/sdcard/it'\\''s' '/sdcard/b c'");
  });
});
