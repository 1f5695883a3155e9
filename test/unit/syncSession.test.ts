// The files capability's sync session (src/files/model/syncSession.ts) against replies written
// here as adbd frames them, split at every byte: what the real adb server and simulated device
// cannot be made to do on cue (a file that grows or shrinks between its stat and its read, a FAIL
// in the middle of a SEND, a reply that is no sync frame). The real path is test/adb/deviceFiles.

import * as assert from 'node:assert/strict';
import { DeviceServiceClient } from '../../src/core/supervisor/deviceStreams';
import { DeviceServiceHostMessage } from '../../src/poller/deviceServiceProtocol';
import { SyncError, SyncSession } from '../../src/files/model/syncSession';

const TARGET = { server: '127.0.0.1:5037', serial: 'emulator-5554', transportId: '3' };

function frame(id: string, payload: Buffer | number = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'number' ? Buffer.alloc(0) : payload;
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(typeof payload === 'number' ? payload : body.length, 4);
  return Buffer.concat([head, body]);
}

/** A session over a scripted stream: every write taken at once; `reply` sends bytes as the device would, one byte per message. */
function scripted(): { session: SyncSession; reply(bytes: Buffer): void; close(): void; written: () => Buffer } {
  const writes: Buffer[] = [];
  let id = 0;
  const client: DeviceServiceClient = new DeviceServiceClient((message: DeviceServiceHostMessage) => {
    if (message.type === 'device-stream-write') {
      writes.push(Buffer.from(message.data));
      queueMicrotask(() => client.onMessage({ type: 'device-stream-written', id: message.id, bytes: message.data.byteLength }));
    }
  });
  const stream = client.openStream(TARGET, 'sync:');
  id = stream.id;
  client.onMessage({ type: 'device-stream-opened', id });
  return {
    session: new SyncSession(stream),
    reply: (bytes) => {
      for (const byte of bytes) client.onMessage({ type: 'device-stream-data', id, chunks: [new Uint8Array([byte]).buffer], unacked: 1 });
    },
    close: () => client.onMessage({ type: 'device-end', id, end: { reason: 'closed', message: 'the device ended it' } }),
    written: () => Buffer.concat(writes),
  };
}

function recvReply(content: Buffer, chunk = 5): Buffer {
  const frames: Buffer[] = [];
  for (let at = 0; at < content.length; at += chunk) frames.push(frame('DATA', content.subarray(at, at + chunk)));
  return Buffer.concat([...frames, frame('DONE', 0)]);
}

describe('sync session (scripted device)', () => {
  it('reads a file whole whatever its size was at its stat: the same, smaller, larger; frames split at every byte', async () => {
    const content = Buffer.from('the quick brown fox jumps over the lazy dog');
    for (const sizeHint of [content.length, 10, 200, 0, undefined]) {
      const { session, reply, written } = scripted();
      const reading = session.read('/sdcard/fox.txt', undefined, sizeHint);
      await new Promise((resolve) => setImmediate(resolve));
      reply(recvReply(content));
      assert.deepEqual(Buffer.from(await reading), content, `size hint ${sizeHint}`);
      assert.deepEqual(written(), frame('RECV', Buffer.from('/sdcard/fox.txt')));
    }
  });

  it("gives adbd's words when it refuses a SEND midway (FAIL, then it closes), and the session is done", async () => {
    const { session, reply, close } = scripted();
    const writing = session.write('/system/x.bin', Buffer.alloc(3 * 1024 * 1024, 7), 0o100644, 1_765_000_000);
    await new Promise((resolve) => setImmediate(resolve));
    reply(frame('FAIL', Buffer.from("couldn't create file: Read-only file system")));
    close();
    await assert.rejects(writing, (error: unknown) => error instanceof SyncError && error.message === "couldn't create file: Read-only file system" && error.end === undefined);
    assert.equal(session.usable, false);
    await assert.rejects(session.lstat('/sdcard'), SyncError);
  });

  it('stops at a reply that is no sync frame, and says what came', async () => {
    const { session, reply } = scripted();
    const listing = session.list('/sdcard');
    await new Promise((resolve) => setImmediate(resolve));
    reply(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await assert.rejects(listing, /the device answered "HTTP" where the sync protocol has DENT/);
    assert.equal(session.usable, false);
  });

  it('fails the request in flight with the stream\'s end when the device goes', async () => {
    const { session, close } = scripted();
    const stat = session.lstat('/sdcard');
    await new Promise((resolve) => setImmediate(resolve));
    close();
    await assert.rejects(stat, (error: unknown) => error instanceof SyncError && error.end?.reason === 'closed');
  });

  it('refuses a relative path or one with NUL before anything is sent', async () => {
    const { session, written } = scripted();
    await assert.rejects(session.lstat('sdcard'), /not absolute/);
    await assert.rejects(session.read('/sdcard/\0'), /NUL/);
    assert.equal(written().length, 0);
  });
});
