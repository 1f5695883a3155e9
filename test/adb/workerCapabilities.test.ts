// Capabilities' worker parts through the real worker and a real private adb server, with a
// simulated device: a test capability (lab/countingCapability.ts, registered by the test worker
// entry) opens a device stream in the worker and posts back only its counts. Its messages round
// trip by name and id; pause and stop end its work before the worker says so, kill and crash end
// it on the host side; an unknown name and a part that throws come back as errors, and the worker
// runs on. Nothing is left behind: not in the worker, not on the device, not on the host.

import * as assert from 'node:assert/strict';
import { createPoller, deviceIn, Harness, waitForSnapshot, waitForState } from '../../lab/pollerHarness';
import { connectionsTo } from '../../lab/resources';
import { SimDeviceInfo } from '../../lab/sim/labClient';
import { SIM_STREAM_MODULUS } from '../../lab/sim/builtinServices';
import { waitUntil } from '../../lab/wait';
import { COUNTING_CAPABILITY, CountingFromWorker, CountingToWorker } from '../../lab/countingCapability';
import { hookedWorker, sendCrash, workerHandles } from '../../lab/workerHooks';
import {
  CapabilityChannel,
  CapabilityError,
  CapabilityMessage,
  CapabilityWorkerEnd,
  DeviceServiceTarget,
  PollerSupervisor,
} from '../../src/core/supervisor/pollerSupervisor';
import { useLab } from '../support/labFixture';
import { useProblemSpy } from '../support/problemSpy';
import { MADE_BY_SUPERVISOR, useResourceTracker } from '../support/resourceTracker';

type Counting = CapabilityChannel<CountingToWorker, CountingFromWorker>;

/** Lines in the first `size` bytes of `sim-stream` (byte k is k % 251; a line ends at byte 10). */
function patternLines(size: number): number {
  let lines = 0;
  for (let k = 0; k < size; k++) if (k % SIM_STREAM_MODULUS === 10) lines++;
  return lines;
}

/** Everything a channel heard, in order, as one list. */
interface Heard {
  messages: CapabilityMessage<CountingFromWorker>[];
  errors: CapabilityError[];
  ends: CapabilityWorkerEnd[];
  /** Each event's kind in the order they came: 'message:<event>', 'error', 'end:<reason>'. */
  order: string[];
}

function listen(channel: Counting): Heard {
  const heard: Heard = { messages: [], errors: [], ends: [], order: [] };
  channel.onMessage((message) => {
    heard.messages.push(message);
    heard.order.push(`message:${message.payload.event}:${message.id}`);
  });
  channel.onError((error) => {
    heard.errors.push(error);
    heard.order.push('error');
  });
  channel.onWorkerEnd((end) => {
    heard.ends.push(end);
    heard.order.push(`end:${end.reason}`);
  });
  return heard;
}

describe('capabilities\' worker parts (real worker, real adb server)', function () {
  this.timeout(60_000);
  const fixture = useLab();
  let harness: Harness | undefined;
  useProblemSpy(() => harness);
  const tracker = useResourceTracker(async () => {
    await harness?.supervisor.dispose();
    harness = undefined;
  }, 5000);

  interface Watched {
    supervisor: PollerSupervisor;
    sim: SimDeviceInfo;
    target: DeviceServiceTarget;
    channel: Counting;
    heard: Heard;
  }

  async function watchDevice(): Promise<Watched> {
    harness = createPoller({ servers: [fixture.adb.address], pollIntervalMs: 60_000 }, hookedWorker({ allowCrash: true }));
    const { supervisor } = harness;
    await supervisor.start();
    const { sim, serial } = await fixture.attach();
    const listed = await waitForSnapshot(supervisor, (s) => s.devices.every((device) => device.state !== 'device' || device.details) && deviceIn(s, serial)?.details !== undefined, 10_000, 'the device with its details');
    const target = { server: fixture.adb.address, serial, transportId: deviceIn(listed, serial)!.transportId };
    const channel = supervisor.capabilityChannel<CountingToWorker, CountingFromWorker>(COUNTING_CAPABILITY);
    return { supervisor, sim, target, channel, heard: listen(channel) };
  }

  function heardEvent(watched: Watched, id: number, event: CountingFromWorker['event']): Promise<CountingFromWorker> {
    const find = () => watched.heard.messages.find((message) => message.id === id && message.payload.event === event)?.payload;
    return waitUntil(find, 10_000, `the capability's ${event} for job ${id}`, { on: [watched.channel.onMessage], explain: () => watched.heard.order.join(' ') });
  }

  async function deviceClosedAll(sim: SimDeviceInfo): Promise<void> {
    await waitUntil(async () => (await fixture.lab.openStreams(sim.port)) === 0, 5000, 'the device to have no service open', { everyMs: 20 });
  }

  it('round trips by name and id: the worker part counts a stream in the worker and posts the counts; nothing left behind', async () => {
    const watched = await watchDevice();
    const { channel, target } = watched;
    const size = 3 * 1024 * 1024 + 5;
    assert.equal(channel.post({ op: 'count', target, service: `shell:sim-stream ${size}` }, { id: 1 }), true);
    // Input too: written in the worker, echoed by `cat`, its input ended.
    assert.equal(channel.post({ op: 'count', target, service: 'exec:cat', input: 'one\ntwo\n' }, { id: 2 }), true);
    const first = await heardEvent(watched, 1, 'ended');
    assert.ok(first.event === 'ended', JSON.stringify(first));
    assert.deepEqual({ bytes: first.bytes, lines: first.lines, reason: first.end.reason }, { bytes: size, lines: patternLines(size), reason: 'closed' });
    const second = await heardEvent(watched, 2, 'ended');
    assert.ok(second.event === 'ended' && second.end.reason === 'closed', JSON.stringify(second));
    // adb closes a raw service at the end of input: the echo may be cut, never more than was written.
    assert.ok(second.bytes <= 8 && second.lines <= 2, JSON.stringify(second));
    assert.ok(watched.heard.order.indexOf('message:opened:1') < watched.heard.order.indexOf('message:ended:1'), watched.heard.order.join(' '));
    assert.deepEqual(watched.heard.errors, []);
    await waitUntil(async () => (await connectionsTo(fixture.adb.port)) === 1, 5000, 'the worker to hold only its push stream', { everyMs: 20 });
    await deviceClosedAll(watched.sim);
    channel.dispose();
    assert.equal(channel.post({ op: 'progress' }, { id: 1 }), false, 'a disposed channel sends nothing');
  });

  it('on pause, the part ends its work before the watcher says paused; nothing is sent while paused; on stop the same, and the worker exits leaving nothing', async () => {
    const watched = await watchDevice();
    const { supervisor, channel, target, heard } = watched;
    channel.post({ op: 'count', target, service: 'shell:sim-stream forever' }, { id: 1 });
    await heardEvent(watched, 1, 'opened');
    // Work of the part's own (a timer, no device service): only the part's endAll ends it.
    channel.post({ op: 'wait' }, { id: 9 });
    channel.post({ op: 'progress' }, { id: 9 });
    await heardEvent(watched, 9, 'progress');
    await supervisor.pause();
    // In order: each job's end in the part's words, then the channel hears the work ended.
    assert.deepEqual(heard.order.slice(-3).sort(), ['end:paused', 'message:ended:1', 'message:ended:9']);
    assert.equal(heard.order.at(-1), 'end:paused');
    for (const { payload } of heard.messages.filter((message) => message.payload.event === 'ended')) {
      assert.ok(payload.event === 'ended' && payload.end.reason === 'paused', JSON.stringify(payload));
    }
    assert.equal(channel.post({ op: 'progress' }, { id: 1 }), false, 'nothing is sent to a paused worker');
    assert.equal(await connectionsTo(fixture.adb.port), 0);
    await waitUntil(async () => !(await workerHandles(supervisor)).TCPSocketWrap, 5000, 'the paused worker to hold no socket', { everyMs: 20 });
    assert.ok(!(await workerHandles(supervisor)).Timeout, 'the paused worker holds no timer (the part cleared its own)');
    await deviceClosedAll(watched.sim);

    await supervisor.resume();
    channel.post({ op: 'count', target, service: 'shell:sim-stream forever' }, { id: 2 });
    await heardEvent(watched, 2, 'opened');
    channel.post({ op: 'progress' }, { id: 2 });
    const progress = await heardEvent(watched, 2, 'progress');
    assert.ok(progress.event === 'progress' && progress.lines === patternLines(progress.bytes), JSON.stringify(progress));
    await supervisor.stop();
    assert.deepEqual(heard.order.slice(-2), ['message:ended:2', 'end:stopped']);
    assert.deepEqual(heard.ends.map((end) => end.reason), ['paused', 'stopped'], 'once for each time the watcher ran');
    assert.equal(await connectionsTo(fixture.adb.port), 0);
    await tracker().untilNoneAlive(5000, MADE_BY_SUPERVISOR);
    await deviceClosedAll(watched.sim);
  });

  it('on kill and on a crash, the host hears the end of the part\'s work (the worker cannot say it)', async () => {
    const watched = await watchDevice();
    const { supervisor, channel, target, heard } = watched;
    channel.post({ op: 'count', target, service: 'shell:sim-stream forever' }, { id: 1 });
    await heardEvent(watched, 1, 'opened');
    sendCrash(supervisor);
    await waitUntil(() => heard.ends.length === 1, 10_000, 'the end of the work', { on: [channel.onWorkerEnd] });
    assert.equal(heard.ends[0].reason, 'crashed');
    assert.match(heard.ends[0].message, /crashed on purpose/);
    await waitForState(supervisor, 'running', 10_000); // restarted: the part takes work again
    channel.post({ op: 'count', target, service: 'shell:sim-stream forever' }, { id: 2 });
    await heardEvent(watched, 2, 'opened');
    await supervisor.kill();
    assert.deepEqual(heard.ends.map((end) => end.reason), ['crashed', 'killed']);
    assert.equal(heard.messages.filter((message) => message.payload.event === 'ended').length, 0, 'the part said nothing: it was gone');
    assert.equal(await connectionsTo(fixture.adb.port), 0);
    await tracker().untilNoneAlive(5000, MADE_BY_SUPERVISOR);
    await deviceClosedAll(watched.sim);
    const logs = harness!.logs;
    logs.splice(0, logs.length, ...logs.filter((line) => !/crashed on purpose/.test(line)));
  });

  it('an unknown capability name and a part that throws come back as clear errors; the worker runs on', async () => {
    const watched = await watchDevice();
    const { supervisor, channel, target, heard } = watched;
    const nobody = supervisor.capabilityChannel<string, never>('no-such-capability');
    const errors: CapabilityError[] = [];
    nobody.onError((error) => errors.push(error));
    assert.equal(nobody.post('hello', { id: 7 }), true);
    await waitUntil(() => errors.length === 1, 5000, 'the error for an unknown name', { on: [nobody.onError] });
    assert.deepEqual(errors[0], { id: 7, message: `no worker capability named "no-such-capability" (this worker has: '${COUNTING_CAPABILITY}')` });

    channel.post({ op: 'throw' }, { id: 3 });
    await waitUntil(() => heard.errors.length === 1, 5000, 'the error of the part', { on: [channel.onError] });
    assert.deepEqual(heard.errors[0], { id: 3, message: `worker capability '${COUNTING_CAPABILITY}' failed: the counting part failed on purpose` });

    channel.post({ op: 'count', target, service: 'shell:sim-stream 1000' }, { id: 4 });
    const ended = await heardEvent(watched, 4, 'ended');
    assert.ok(ended.event === 'ended' && ended.bytes === 1000 && ended.end.reason === 'closed', JSON.stringify(ended));
    assert.equal(supervisor.state, 'running');
    nobody.dispose();
  });
});
