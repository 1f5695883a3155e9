// The host's side of the device services (src/core/supervisor/deviceStreams.ts) against messages
// written here as a worker would send them: delivery in order, acknowledgements only for what
// was delivered, pause and resume, the end after the output (or at once when forced), cancel, and
// every job ended when the worker is gone. The real worker and adb are test/adb/deviceStreams.

import * as assert from 'node:assert/strict';
import { DeviceServiceEnd, DeviceServiceHostMessage } from '../../src/poller/deviceServiceProtocol';
import { DeviceServiceClient, DeviceStream, DeviceStreamWriteError } from '../../src/core/supervisor/deviceStreams';

const TARGET = { server: '127.0.0.1:5037', serial: 'emulator-5554', transportId: '3' };
const CLOSED: DeviceServiceEnd = { reason: 'closed', message: 'the device ended it' };

function makeClient(): { client: DeviceServiceClient; sent: DeviceServiceHostMessage[] } {
  const sent: DeviceServiceHostMessage[] = [];
  return { client: new DeviceServiceClient((message) => sent.push(message)), sent };
}

const bytes = (...values: number[]) => new Uint8Array(values).buffer;
const acks = (sent: DeviceServiceHostMessage[]) => sent.filter((m) => m.type === 'device-stream-ack').map((m) => (m as { bytes: number }).bytes);

function open(): { client: DeviceServiceClient; sent: DeviceServiceHostMessage[]; stream: DeviceStream; seen: number[][] } {
  const made = makeClient();
  const stream = made.client.openStream(TARGET, 'shell:logcat', { windowBytes: 64 * 1024 });
  const seen: number[][] = [];
  stream.onData((chunk) => seen.push([...chunk]));
  return { ...made, stream, seen };
}

describe('device streams, host side', () => {
  it('asks the worker to open the service with its window, delivers in order, acknowledges what it delivered, ends after the output', async () => {
    const { client, sent, stream, seen } = open();
    assert.deepEqual(sent, [{ type: 'device-stream-open', id: stream.id, target: TARGET, service: 'shell:logcat', windowBytes: 64 * 1024, timeoutMs: undefined }]);
    client.onMessage({ type: 'device-stream-opened', id: stream.id });
    client.onMessage({ type: 'device-stream-data', id: stream.id, chunks: [bytes(1, 2), bytes(3)], unacked: 3 });
    client.onMessage({ type: 'device-stream-data', id: stream.id, chunks: [bytes(4)], unacked: 1 });
    client.onMessage({ type: 'device-end', id: stream.id, end: CLOSED, counters: { bytes: 4, maxUnacked: 3, maxHeld: 3 } });
    assert.deepEqual(seen, [[1, 2], [3], [4]]);
    assert.deepEqual(acks(sent), [3, 1], 'one acknowledgement per delivery turn');
    assert.equal(await stream.opened, true);
    assert.deepEqual(await stream.ended, CLOSED);
    assert.deepEqual(stream.stats, { receivedBytes: 4, deliveredBytes: 4, queuedBytes: 0, maxReportedUnacked: 3, worker: { bytes: 4, maxUnacked: 3, maxHeld: 3 } });
    assert.equal(client.size, 0);
  });

  it('holds output while paused (no data, no acknowledgement), and its natural end after it until resumed', async () => {
    const { client, sent, stream, seen } = open();
    stream.pause();
    client.onMessage({ type: 'device-stream-data', id: stream.id, chunks: [bytes(1), bytes(2)], unacked: 2 });
    client.onMessage({ type: 'device-end', id: stream.id, end: CLOSED });
    assert.deepEqual(seen, []);
    assert.deepEqual(acks(sent), []);
    assert.equal(stream.end, undefined, 'the end waits for the output before it');
    assert.equal(stream.stats.queuedBytes, 2);
    stream.resume();
    assert.deepEqual(seen, [[1], [2]]);
    assert.deepEqual(await stream.ended, CLOSED);
    assert.deepEqual(acks(sent), [], 'nothing to acknowledge to a worker that ended the stream');
  });

  it('stops delivering at once when a listener pauses, and goes on from there', () => {
    const { client, sent, stream, seen } = open();
    stream.onData(() => stream.pause());
    client.onMessage({ type: 'device-stream-data', id: stream.id, chunks: [bytes(1), bytes(2), bytes(3)], unacked: 3 });
    assert.deepEqual(seen, [[1]]);
    assert.deepEqual(acks(sent), [1]);
    stream.resume();
    assert.deepEqual(seen, [[1], [2]]);
    assert.deepEqual(acks(sent), [1, 1]);
  });

  it('drops queued output on a forced end (killed, paused, stopped) and ends at once', async () => {
    const { client, stream, seen } = open();
    stream.pause();
    client.onMessage({ type: 'device-stream-data', id: stream.id, chunks: [bytes(1)], unacked: 1 });
    client.endAll({ reason: 'killed', message: 'the device watcher was force-killed' });
    assert.equal((await stream.ended).reason, 'killed');
    stream.resume();
    assert.deepEqual(seen, []);
    assert.equal(await stream.opened, false, 'never opened');
  });

  it('cancels once: no data after cancel(), the end is the worker\'s', async () => {
    const { client, sent, stream, seen } = open();
    client.onMessage({ type: 'device-stream-data', id: stream.id, chunks: [bytes(1)], unacked: 1 });
    stream.cancel();
    stream.cancel();
    client.onMessage({ type: 'device-stream-data', id: stream.id, chunks: [bytes(2)], unacked: 1 });
    assert.equal(sent.filter((m) => m.type === 'device-cancel').length, 1);
    assert.equal(stream.end, undefined, 'ended once the worker closed the service');
    client.onMessage({ type: 'device-end', id: stream.id, end: { reason: 'cancelled', message: 'cancelled' } });
    assert.equal((await stream.ended).reason, 'cancelled');
    assert.deepEqual(seen, [[1]]);
  });

  it('settles requests with their output or their end; a cancelled signal asks the worker to cancel', async () => {
    const { client, sent } = makeClient();
    const done = client.request(TARGET, 'exec:getprop', { maxBytes: 10 });
    const request = sent[0] as Extract<DeviceServiceHostMessage, { type: 'device-request' }>;
    assert.deepEqual(request, { type: 'device-request', id: request.id, target: TARGET, service: 'exec:getprop', maxBytes: 10, timeoutMs: undefined });
    client.onMessage({ type: 'device-request-result', id: request.id, data: bytes(104, 105) });
    const result = await done;
    assert.ok(result.ok && Buffer.from(result.data).toString() === 'hi');

    const controller = new AbortController();
    const cancelled = client.request(TARGET, 'shell:sleep 60', { signal: controller.signal });
    controller.abort();
    const second = sent[1];
    assert.deepEqual(sent[2], { type: 'device-cancel', id: second.id });
    client.onMessage({ type: 'device-end', id: second.id, end: { reason: 'cancelled', message: 'cancelled' } });
    assert.deepEqual(await cancelled, { ok: false, end: { reason: 'cancelled', message: 'cancelled' } });
    assert.equal(client.size, 0);
  });

  it('ends every job when the worker is gone, and every later one at once', async () => {
    const { client } = makeClient();
    const request = client.request(TARGET, 'shell:sleep 60');
    const stream = client.openStream(TARGET, 'shell:logcat');
    const gone: DeviceServiceEnd = { reason: 'crashed', message: 'the worker crashed' };
    client.endAll(gone);
    assert.deepEqual(await request, { ok: false, end: gone });
    assert.deepEqual(await stream.ended, gone);
    assert.deepEqual(await client.request(TARGET, 'shell:true'), { ok: false, end: gone });
    assert.deepEqual(await client.openStream(TARGET, 'shell:true').ended, gone);
    assert.equal(client.size, 0);
  });

  describe('input', () => {
    const writes = (sent: DeviceServiceHostMessage[]) =>
      sent.filter((m) => m.type === 'device-stream-write' || m.type === 'device-stream-end-input').map((m) => ('data' in m ? [...new Uint8Array(m.data)] : 'end'));
    /** Settles to 'done' or the rejection's end reason, without waiting for one that is pending. */
    const state = (write: Promise<void>) => {
      let seen: string = 'pending';
      write.then(
        () => (seen = 'done'),
        (error: unknown) => (seen = error instanceof DeviceStreamWriteError ? error.end.reason : `other: ${String(error)}`),
      );
      return () => seen;
    };
    const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

    it('sends writes and the end of input only once the device accepted the stream, in order, each a copy; resolves each as the worker answers', async () => {
      const { client, sent, stream } = open();
      const mine = new Uint8Array([1, 2, 3]);
      const first = state(stream.write(mine));
      const second = state(stream.write(new Uint8Array([4])));
      stream.endInput();
      await turn();
      assert.deepEqual(writes(sent), [], 'nothing before the stream opened');
      client.onMessage({ type: 'device-stream-opened', id: stream.id });
      await turn();
      assert.deepEqual(writes(sent), [[1, 2, 3], [4], 'end']);
      assert.deepEqual([...mine], [1, 2, 3], "the caller's bytes are not transferred away");
      assert.equal(first(), 'pending', 'not done before the socket took it');
      client.onMessage({ type: 'device-stream-written', id: stream.id, bytes: 3 });
      await turn();
      assert.deepEqual([first(), second()], ['done', 'pending']);
      client.onMessage({ type: 'device-stream-written', id: stream.id, bytes: 1 });
      await turn();
      assert.equal(second(), 'done');
      assert.equal(await stream.write(new Uint8Array([5])).catch((error: DeviceStreamWriteError) => error.message), "the stream's input has ended");
    });

    it('fails writes still waiting with the end, even a natural one before its output is delivered, and every later write with it', async () => {
      for (const end of [CLOSED, { reason: 'paused', message: 'the device watcher paused' }, { reason: 'killed', message: 'force-killed' }] as DeviceServiceEnd[]) {
        const { client, stream } = open();
        client.onMessage({ type: 'device-stream-opened', id: stream.id });
        stream.pause();
        client.onMessage({ type: 'device-stream-data', id: stream.id, chunks: [bytes(9)], unacked: 1 });
        const waiting = state(stream.write(new Uint8Array([1])));
        if (end.reason === 'killed') client.endAll(end);
        else client.onMessage({ type: 'device-end', id: stream.id, end });
        await turn();
        assert.equal(waiting(), end.reason);
        await assert.rejects(stream.write(new Uint8Array([2])), (error: DeviceStreamWriteError) => error.end === end);
      }
    });

    it('fails writes at cancel() and after it with `cancelled`, and sends none of them', async () => {
      const { client, sent, stream } = open();
      client.onMessage({ type: 'device-stream-opened', id: stream.id });
      const waiting = state(stream.write(new Uint8Array([1])));
      stream.cancel();
      await turn();
      assert.equal(waiting(), 'cancelled');
      await assert.rejects(stream.write(new Uint8Array([2])), (error: DeviceStreamWriteError) => error.end.reason === 'cancelled');
      stream.endInput();
      await turn();
      assert.deepEqual(writes(sent), [], 'a write made before cancel() in the same turn is not sent either');
    });

    it('fails writes to a stream that never opened with its end', async () => {
      const { client, sent, stream } = open();
      const waiting = state(stream.write(new Uint8Array([1])));
      const refused: DeviceServiceEnd = { reason: 'failed', message: "adb refused: 'closed'" };
      client.onMessage({ type: 'device-end', id: stream.id, end: refused });
      await turn();
      assert.equal(waiting(), 'failed');
      assert.deepEqual(writes(sent), []);
    });
  });
});
