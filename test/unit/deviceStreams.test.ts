// The host's side of the device services (src/core/supervisor/deviceStreams.ts) against messages
// written here as a worker would send them: delivery in order, acknowledgements only for what
// was delivered, pause and resume, the end after the output (or at once when forced), cancel, and
// every job ended when the worker is gone. The real worker and adb are test/adb/deviceStreams.

import * as assert from 'node:assert/strict';
import { DeviceServiceEnd, DeviceServiceHostMessage } from '../../src/poller/deviceServiceProtocol';
import { DeviceServiceClient, DeviceStream } from '../../src/core/supervisor/deviceStreams';

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
});
