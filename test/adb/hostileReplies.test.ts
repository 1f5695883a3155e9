// The real worker against a hostile "adb server" (test/support/hostileServer.ts): device data is
// inert text, nothing in it is ever run, broken or endless replies end in a clear `unreachable`
// and a reconnect, and the worker's memory stays bounded.

import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as letTimePass } from 'node:timers/promises';
import { createPoller, deviceIn, Harness, waitForLogs, waitForSnapshot } from '../../lab/pollerHarness';
import { activeHandles } from '../../lab/resources';
import { Snapshot } from '../../src/core/types';
import { deviceLine, Framing, HostileServer, startHostileServer } from '../support/hostileServer';
import { ProblemSpy } from '../support/problemSpy';
import { hookedWorker, workerHeapUsage } from '../../lab/workerHooks';

const POLL_MS = 200;
const TIMEOUT_MS = 500;
const MB = 1024 * 1024;

const GOOD_GETPROP = [
  '[ro.build.version.release]: [14]',
  '[ro.build.version.sdk]: [34]',
  '[ro.product.cpu.abi]: [arm64-v8a]',
  '[ro.product.manufacturer]: [Google]',
  '[ro.product.model]: [Pixel 8]',
  '',
].join('\n');

describe('device poller against a hostile adb server', function () {
  this.timeout(30_000);
  let hostile: HostileServer | undefined;
  let harness: Harness | undefined;
  let spy: ProblemSpy;
  let tmp: string;

  beforeEach(async () => {
    spy = new ProblemSpy();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'adw-hostile-'));
  });
  afterEach(async () => {
    try {
      if (harness) {
        assert.equal(harness.supervisor.state, 'running', `the worker is ${harness.supervisor.state}: ${harness.supervisor.lastError}`);
        spy.assertClean(harness);
      }
    } finally {
      await harness?.supervisor.dispose();
      harness = undefined;
      await hostile?.close();
      hostile = undefined;
      spy.dispose();
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });

  async function watch(scenario: Parameters<typeof startHostileServer>[0]): Promise<Harness> {
    hostile = await startHostileServer(scenario);
    harness = createPoller({ servers: [hostile.address], pollIntervalMs: POLL_MS, requestTimeoutMs: TIMEOUT_MS }, hookedWorker({ reportHeap: true }));
    await harness.supervisor.start();
    return harness;
  }

  const serverOf = (snapshot: Snapshot) => snapshot.servers[0];

  it('passes serials with shell metacharacters, quotes, unicode and 10 KB through as inert text, and runs none of them', async () => {
    const touched = path.join(tmp, 'touched');
    const substituted = path.join(tmp, 'substituted');
    const backticked = path.join(tmp, 'backticked');
    const longSerial = 'L'.repeat(10 * 1024);
    const hostileSerials = [
      `;touch${'${IFS}'}${touched}`,
      `$(touch${'${IFS}'}${substituted})`,
      `\`touch${'${IFS}'}${backticked}\``,
      `"quoted'serial\\`,
      'Pixel📱ñ中文',
      '<img/src=x/onerror=alert(1)>',
      '$(zap)',
      '[link](command:workbench.action.quit)',
      longSerial,
    ];
    const lines = [
      // No transport id: details are asked for with `host:transport:SERIAL`, the serial as data.
      deviceLine(hostileSerials[0], 'device', { model: '$(zap)_**bold**' }),
      deviceLine(hostileSerials[1], 'device', { transport_id: '2' }),
      deviceLine(hostileSerials[2], 'device', { transport_id: '3;reboot' }),
      ...hostileSerials.slice(3).map((serial, i) => deviceLine(serial, 'device', { transport_id: String(10 + i) })),
      // Unknown state and keys are kept / ignored, not fatal.
      deviceLine('future-1', 'fastbootd-ish', { future_key: 'value', 'weird-key': 'x' }),
      // A newline inside a field can only split the line: the tail is a line of its own.
      `split-1\tdevice model:first\nsecond-half device model:x`,
      // Control characters in a serial: dropped (it could not reach adb or ANDROID_SERIAL intact).
      `bad\x1b[31mred\tdevice`,
      `nul\x00serial\tdevice`,
      '',
    ];
    const getprop = `${GOOD_GETPROP}[ro.product.model]: [$(zap) <img src=x onerror=alert(1)> **bold** [link](command:workbench.action.quit)]\n`;
    const { supervisor, logs } = await watch({ devices: lines.join('\n'), getprop });

    const snapshot = await waitForSnapshot(
      supervisor,
      (s) => hostileSerials.every((serial) => deviceIn(s, serial)?.details !== undefined),
      10_000,
      'every hostile device with its details',
    );
    for (const serial of hostileSerials) {
      const device = deviceIn(snapshot, serial)!;
      assert.equal(device.serial, serial);
      assert.equal(device.state, 'device');
      assert.equal(device.details?.model, '$(zap) <img src=x onerror=alert(1)> **bold** [link](command:workbench.action.quit)');
    }
    assert.equal(deviceIn(snapshot, hostileSerials[0])!.model, '$(zap)_**bold**');
    assert.equal(deviceIn(snapshot, hostileSerials[2])!.transportId, undefined, 'a transport id that is not a number is dropped');
    assert.equal(deviceIn(snapshot, 'future-1')?.state, 'fastbootd-ish');
    assert.ok(deviceIn(snapshot, 'split-1') && deviceIn(snapshot, 'second-half'));
    // eslint-disable-next-line no-control-regex -- looking for control characters
    assert.ok(!snapshot.devices.some((d) => /[\u0000-\u001f]/.test(d.serial)), 'no serial with control characters');
    assert.ok(logs.some((line) => /2 line\(s\) of its device list are not a device/.test(line)), logs.join('\n'));

    // The serial went to the server as the data of a host service, verbatim, and nowhere else.
    assert.ok(hostile!.requests.includes(`host:transport:${hostileSerials[0]}`), hostile!.requests.slice(0, 20).join('\n'));
    assert.ok(hostile!.requests.includes(`host:transport:${hostileSerials[2]}`));
    assert.ok(hostile!.requests.includes('host:transport-id:2'));
    for (const file of [touched, substituted, backticked]) {
      assert.equal(existsSync(file), false, `${file} was created: a serial was run by a shell`);
    }
  });

  it('shows at most 500 of 4,500 listed devices, says so once, and keeps its heap small', async () => {
    const devices = Array.from({ length: 4500 }, (_, i) => `d${i}\toffline`).join('\n');
    assert.ok(devices.length < 0xffff);
    const { supervisor, logs } = await watch({ devices });
    const snapshot = await waitForSnapshot(supervisor, (s) => s.devices.length > 0, 5000, 'the devices');
    assert.equal(snapshot.devices.length, 500);
    await letTimePass(POLL_MS * 4); // several polls of the same list: the warning is not repeated
    assert.equal(logs.filter((line) => line.includes('lists 4500 devices; showing the first 500')).length, 1, logs.join('\n'));
    const memory = await workerHeapUsage(supervisor);
    assert.ok(memory.heapUsed < 32 * MB, `worker heap ${memory.heapUsed / MB} MB`);
  });

  it('survives a server flooding the device stream with changing lists: snapshots coalesced, heap bounded', async () => {
    const devices = Array.from({ length: 600 }, (_, i) => `flood-${i}\toffline product:p model:m device:d`).join('\n');
    const { supervisor } = await watch({ devices, trackFraming: 'flood' });
    await waitForSnapshot(supervisor, (s) => s.devices.length > 0, 5000, 'the devices');
    const before = harness!.snapshots.length;
    const started = performance.now();
    const heaps: number[] = [];
    // The flood has no end to wait for: sample it for 2 s.
    for (let i = 0; i < 4; i++) {
      await letTimePass(500);
      heaps.push((await workerHeapUsage(supervisor)).heapUsed);
    }
    const seconds = (performance.now() - started) / 1000;
    const rate = (harness!.snapshots.length - before) / seconds;
    // The worker publishes at most one snapshot per coalesceMs (10 ms) after its burst.
    assert.ok(rate <= 110, `${rate.toFixed(0)} snapshots/s`);
    assert.ok(Math.max(...heaps) < 40 * MB, `worker heap ${heaps.map((h) => (h / MB).toFixed(1)).join(', ')} MB`);
    assert.equal(supervisor.state, 'running');
  });

  const framings: { framing: Framing; error: RegExp }[] = [
    { framing: 'non-hex-length', error: /malformed reply \(length "zzzz" is not 4 hex digits\)/ },
    { framing: 'negative-length', error: /malformed reply \(length "-001" is not 4 hex digits\)/ },
    { framing: 'length-past-end', error: /closed the (connection mid-reply|device stream)/ },
    { framing: 'half-then-close', error: /closed the (connection mid-reply|device stream)/ },
    { framing: 'trickle', error: new RegExp(`did not finish its answer to host:(track-)?devices-l within ${TIMEOUT_MS} ms`) },
  ];
  for (const { framing, error } of framings) {
    it(`turns a ${framing} reply into a clear unreachable error, holds few sockets, and reconnects when the server mends`, async () => {
      const devices = `${deviceLine('emulator-5554', 'device', { transport_id: '1' })}\n`;
      const { supervisor } = await watch({ devices, listFraming: framing, getprop: GOOD_GETPROP });
      const down = await waitForSnapshot(supervisor, (s) => serverOf(s)?.status === 'unreachable', 5000, 'unreachable');
      assert.match(serverOf(down).error ?? '', error);
      assert.equal(down.devices.length, 0);
      // Several reconnect rounds: never more than the stream and one poll at once.
      hostile!.resetPeak();
      await letTimePass(1000);
      assert.ok(hostile!.peakConnections() <= 2, `peak ${hostile!.peakConnections()} connections`);
      hostile!.setScenario({ devices, getprop: GOOD_GETPROP });
      // The reconnect backoff is 250 ms doubling to 5 s: within 6 s it has tried again.
      const back = await waitForSnapshot(supervisor, (s) => deviceIn(s, 'emulator-5554')?.details?.model === 'Pixel 8', 8000, 'reconnected');
      assert.equal(serverOf(back).status, 'connected');
    });
  }

  it('refuses endless getprop output at 1 MiB and shows the device without details', async () => {
    const devices = `${deviceLine('endless-1', 'device', { transport_id: '1' })}\n`;
    const { supervisor, logs } = await watch({ devices, getprop: 'endless' });
    const snapshot = await waitForSnapshot(supervisor, (s) => deviceIn(s, 'endless-1') !== undefined, 5000, 'the device');
    assert.equal(deviceIn(snapshot, 'endless-1')?.details, undefined);
    // Three attempts, each cut off at 1 MiB; no event says "gave up", so wait for the log lines.
    await waitForLogs(harness!, /details of endless-1 not read/, 3, 10_000, 'three refused reads');
    assert.ok(logs.some((line) => /more than 1048576 bytes of shell output; refused/.test(line)), logs.join('\n'));
    const memory = await workerHeapUsage(supervisor);
    assert.ok(memory.heapUsed < 32 * MB && memory.external < 32 * MB, JSON.stringify(memory));
    assert.ok(hostile!.openConnections() <= 2, `${hostile!.openConnections()} connections open`);
  });

  it('reads details from getprop output built to be slow to parse, without stalling the worker', async () => {
    // 300 KB of "[a" lines: the former multi-line pattern took over a minute on this (quadratic).
    // The properties first: the junk after them is scanned with no `]` anywhere ahead.
    const slow = `${GOOD_GETPROP}${'[a\n'.repeat(100_000)}${'[a\r'.repeat(10_000)}\n${'[ro.a\u2028'.repeat(10_000)}\n`;
    const devices = `${deviceLine('slow-1', 'device', { transport_id: '1' })}\n`;
    const { supervisor } = await watch({ devices, getprop: slow });
    const snapshot = await waitForSnapshot(supervisor, (s) => deviceIn(s, 'slow-1')?.details !== undefined, 10_000, 'details');
    assert.deepEqual(deviceIn(snapshot, 'slow-1')?.details, { manufacturer: 'Google', model: 'Pixel 8', androidRelease: '14', sdkLevel: 34, abi: 'arm64-v8a' });
    // The heartbeat kept answering: the worker was never taken for hung (the watchdog would have
    // killed it, which the afterEach's state and log checks catch), and it answers a request now.
    await workerHeapUsage(supervisor, 500);
  });

  it('leaves no timer or socket behind in this process', async () => {
    await null; // mocha arms the test's own timer once the test returns its promise: count after it
    const before = activeHandles();
    const { supervisor } = await watch({ devices: 'x\tdevice\n', listFraming: 'trickle' });
    await waitForSnapshot(supervisor, (s) => serverOf(s)?.status === 'unreachable', 5000, 'unreachable');
    await supervisor.dispose();
    await hostile!.close();
    await letTimePass(50); // closed handles leave libuv's list on a later turn; no event says when
    const after = activeHandles();
    for (const kind of ['Timeout', 'TCPSocketWrap', 'MessagePort']) {
      assert.ok((after[kind] ?? 0) <= (before[kind] ?? 0), `${kind}: ${JSON.stringify({ before, after })}`);
    }
    harness = undefined;
  });
});
