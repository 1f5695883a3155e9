// DevicePoller in-process (no worker) against a scripted fake adb server on 127.0.0.1
// (test/support/scriptedAdbServer.ts): the order of what it publishes, step by step, in milliseconds.

import * as assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { DevicePoller } from '../../src/devices/worker/devicePoller';
import { DEFAULT_POLLER_CONFIG, DeviceChanges, PollerConfig, Snapshot } from '../../src/core/types';
import { ResourceTracker } from '../support/resourceTracker';
import { ScriptedAdbServer, startScriptedAdbServer } from '../support/scriptedAdbServer';

interface Published {
  snapshot: Snapshot;
  changes: DeviceChanges;
}

/** A DevicePoller whose snapshots and log lines are recorded, with waits on them. */
class RecordedPoller {
  readonly published: Published[] = [];
  readonly logs: string[] = [];
  readonly poller: DevicePoller;
  private readonly events = new EventEmitter();

  constructor(config: Partial<PollerConfig>) {
    this.poller = new DevicePoller(
      // Never starts an adb server: the fake is all there is.
      { ...DEFAULT_POLLER_CONFIG, adbPath: '/bin/false', startServer: false, coalesceMs: 1, ...config },
      {
        snapshot: (snapshot, changes) => {
          this.published.push({ snapshot, changes });
          this.events.emit('change');
        },
        log: (level, message) => {
          this.logs.push(`${level}: ${message}`);
          this.events.emit('change');
        },
      },
    );
  }

  /** Resolves when `ready()` holds, checked on every snapshot and log line. */
  until(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (ready()) {
          clearTimeout(timer);
          this.events.off('change', check);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        this.events.off('change', check);
        reject(new Error(`no ${what} within ${timeoutMs} ms; published: ${JSON.stringify(this.published.map((p) => p.snapshot))}; logs: ${this.logs.join(' | ')}`));
      }, timeoutMs);
      this.events.on('change', check);
    });
  }

  snapshots(count: number, timeoutMs = 2000): Promise<void> {
    return this.until(() => this.published.length >= count, timeoutMs, `${count} snapshot(s)`);
  }

  get last(): Published {
    return this.published[this.published.length - 1];
  }
}

const line = (serial: string, state: string, transportId: number) => `${serial}\t${state} product:p model:m device:d transport_id:${transportId}`;
const serials = (devices: { serial: string }[]) => devices.map((d) => d.serial).sort();

describe('DevicePoller against a scripted adb server (fake, in-process)', () => {
  let fake: ScriptedAdbServer;
  let recorded: RecordedPoller | undefined;
  let watch: ResourceTracker | undefined;

  beforeEach(async () => {
    fake = await startScriptedAdbServer();
    // Details are not what these tests are about: getprop answers with nothing.
    fake.answer = () => ({ value: '' });
  });
  afterEach(async () => {
    recorded?.poller.stop();
    recorded = undefined;
    watch?.stop();
    watch = undefined;
    await fake.close();
  });

  it('publishes nothing before the first list, then connecting -> connected and the devices in one snapshot', async () => {
    recorded = new RecordedPoller({ servers: [fake.address], pollIntervalMs: 60_000 });
    recorded.poller.start();
    const stream = await fake.nextStream();
    stream.okay();
    // No event says the client has read the OKAY: give it time to publish what it must not.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(recorded.published.length, 0, `published before any list: ${JSON.stringify(recorded.published)}`);
    stream.list(`${line('A', 'device', 1)}\n${line('B', 'offline', 2)}\n`);
    await recorded.snapshots(1);
    const [first] = recorded.published;
    assert.deepEqual(
      first.snapshot.servers.map(({ status, error, problem }) => ({ status, error, problem })),
      [{ status: 'connected', error: undefined, problem: undefined }],
    );
    assert.deepEqual(serials(first.snapshot.devices), ['A', 'B']);
    assert.deepEqual(serials(first.changes.added), ['A', 'B']);
    assert.deepEqual(first.changes.removed, []);
  });

  it('reports added, changed and removed devices as the lists change', async () => {
    recorded = new RecordedPoller({ servers: [fake.address], pollIntervalMs: 60_000 });
    recorded.poller.start();
    const stream = await fake.nextStream();
    stream.okay();
    stream.list(`${line('A', 'device', 1)}\n`);
    await recorded.snapshots(1);
    stream.list(`${line('A', 'device', 1)}\n${line('B', 'offline', 2)}\n`);
    await recorded.snapshots(2);
    stream.list(`${line('B', 'device', 2)}\n`);
    await recorded.snapshots(3);
    const steps = recorded.published.map(({ changes }) => ({
      added: serials(changes.added),
      changed: serials(changes.changed),
      removed: serials(changes.removed),
    }));
    assert.deepEqual(steps, [
      { added: ['A'], changed: [], removed: [] },
      { added: ['B'], changed: [], removed: [] },
      { added: [], changed: ['B'], removed: ['A'] },
    ]);
    assert.equal(recorded.last.snapshot.devices[0].state, 'device');
  });

  it('sends nothing when polls and pushes bring no change', async () => {
    const list = `${line('A', 'offline', 1)}\n`;
    fake.answer = (service) => (service === 'host:devices-l' ? { value: list } : { value: '' });
    recorded = new RecordedPoller({ servers: [fake.address], pollIntervalMs: 5 });
    recorded.poller.start();
    const stream = await fake.nextStream();
    stream.okay();
    stream.list(list);
    stream.list(list);
    // The next poll is sent only once the previous answer was taken in (and any snapshot sent).
    await fake.requestCount('host:devices-l', 6);
    assert.equal(recorded.published.length, 1, JSON.stringify(recorded.published.map((p) => p.changes)));
  });

  it('sends a fresh snapshot on refresh even when the poll brings no change', async () => {
    // Offline: no details are read, whose arrival would send a snapshot of its own.
    const list = `${line('A', 'offline', 1)}\n`;
    fake.answer = (service) => (service === 'host:devices-l' ? { value: list } : { value: '' });
    recorded = new RecordedPoller({ servers: [fake.address], pollIntervalMs: 60_000 });
    recorded.poller.start();
    const stream = await fake.nextStream();
    stream.okay();
    stream.list(list);
    await recorded.snapshots(1);
    recorded.poller.refresh();
    await recorded.snapshots(2);
    assert.deepEqual(recorded.last.changes, { added: [], removed: [], changed: [] });
  });

  it('polls at once when the window gets focus back, and not for a focus it already has', async () => {
    fake.answer = (service) => (service === 'host:devices-l' ? { value: `${line('A', 'offline', 1)}\n` } : { value: '' });
    const polls = () => fake.requests.filter((service) => service === 'host:devices-l').length;
    recorded = new RecordedPoller({ servers: [fake.address], pollIntervalMs: 60_000, backgroundPollIntervalMs: 60_000 });
    recorded.poller.start();
    const stream = await fake.nextStream();
    stream.okay();
    stream.list(`${line('A', 'device', 1)}\n`);
    await recorded.snapshots(1);
    recorded.poller.setFocused(true); // a window starts focused: no change
    recorded.poller.setFocused(false);
    // No event says that no poll was sent: give one the time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(polls(), 0, 'polled without a focus gained');
    recorded.poller.setFocused(true);
    await recorded.snapshots(2);
    assert.equal(recorded.last.snapshot.devices[0].state, 'offline');
    assert.equal(polls(), 1);
  });

  it('keeps a server and its devices when polls time out, says so once, and polls again', async () => {
    const list = `${line('A', 'device', 1)}\n`;
    let answerPolls = false;
    fake.answer = (service) => (service !== 'host:devices-l' ? { value: '' } : answerPolls ? { value: list } : { hold: true });
    recorded = new RecordedPoller({ servers: [fake.address], pollIntervalMs: 10, requestTimeoutMs: 400 });
    recorded.poller.start();
    const stream = await fake.nextStream();
    stream.okay();
    stream.list(list);
    await recorded.snapshots(1);
    // The third poll is sent only after the first two ran out of their deadline.
    await fake.requestCount('host:devices-l', 3, 5000);
    const timedOut = recorded.logs.filter((text) => /did not answer within 400 ms; its device stream is open/.test(text));
    assert.equal(timedOut.length, 1, recorded.logs.join('\n'));
    answerPolls = true;
    await recorded.until(() => recorded!.logs.some((text) => text.endsWith('answers polls again')), 5000, 'polls answered again');
    for (const { snapshot } of recorded.published) {
      assert.equal(snapshot.servers[0].status, 'connected');
      assert.deepEqual(serials(snapshot.devices), ['A']);
    }
    assert.equal(recorded.published.length, 1, 'nothing changed, so nothing was sent');
  });

  for (const how of ['stop', 'pause'] as const) {
    it(`${how} with a poll in flight leaves no timer, socket or immediate behind`, async () => {
      fake.answer = (service) => (service === 'host:devices-l' ? { hold: true } : { value: '' });
      watch = ResourceTracker.start();
      // A deadline far away: a timer left armed would outlive the wait below.
      recorded = new RecordedPoller({ servers: [fake.address], pollIntervalMs: 5, requestTimeoutMs: 30_000 });
      recorded.poller.start();
      const stream = await fake.nextStream();
      stream.okay();
      stream.list(`${line('A', 'device', 1)}\n`);
      await fake.requestCount('host:devices-l', 1);
      recorded.poller[how]();
      await watch.untilNoneAlive(2000);
      assert.equal(recorded.last.snapshot.devices.length, 1, 'the last list stays as it was');
    });
  }

  it('stop while the push stream waits for its first list leaves nothing behind and publishes nothing', async () => {
    watch = ResourceTracker.start();
    recorded = new RecordedPoller({ servers: [fake.address], requestTimeoutMs: 30_000 });
    recorded.poller.start();
    const stream = await fake.nextStream();
    stream.okay();
    recorded.poller.stop();
    await stream.closed;
    await watch.untilNoneAlive(2000);
    assert.equal(recorded.published.length, 0);
  });
});
