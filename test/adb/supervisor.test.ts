// The supervisor's state machine, on the real worker (the shipped bundle, or the same worker with
// test hooks) and a real private adb server: every command in every settled state, with the
// sequence of states and the outcome asserted, never a latency (the benchmark measures those),
// and nothing left behind: no timer, thread or port of the supervisor's, unref'd ones included.

import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startSilentServer, FakeServer } from '../support/fakeServers';
import { createPoller, Harness, waitForSnapshot, waitForState, WORKER_SCRIPT } from '../../lab/pollerHarness';
import { connectionsTo } from '../../lab/resources';
import { PrivateAdbServer } from '../../lab/adbServerProcess';
import { DisposedError, PollerSupervisor } from '../../src/core/supervisor/pollerSupervisor';
import { DEFAULT_POLLER_CONFIG } from '../../src/core/types';
import { MADE_BY_SUPERVISOR, useResourceTracker } from '../support/resourceTracker';
import { hookedWorker, sendBusyLoop } from '../../lab/workerHooks';

describe('poller supervisor (real worker, real adb server)', function () {
  let adb: PrivateAdbServer;
  let harness: Harness | undefined;

  before(async () => {
    adb = await PrivateAdbServer.start();
  });
  after(async () => {
    await adb?.stop();
  });
  // Everything made during a test is gone after it: the supervisor's timers and threads, sockets, ports.
  const tracker = useResourceTracker(async () => {
    await harness?.supervisor.dispose();
    harness = undefined;
  }, 5000);

  /** Nothing of the supervisor's is alive (a stopped or killed poller holds no thread, no timer). */
  const supervisorLeftNothing = () => tracker().untilNoneAlive(5000, MADE_BY_SUPERVISOR);

  const connectedSnapshot = (h: Harness) =>
    waitForSnapshot(h.supervisor, (s) => s.servers.some((server) => server.status === 'connected'), 5000, 'connected snapshot');

  it('starts, reports the server, and a second start returns the in-flight promise', async () => {
    harness = createPoller({ servers: [adb.address] });
    const first = harness.supervisor.start();
    const second = harness.supervisor.start();
    assert.equal(second, first);
    await first;
    const snapshot = await connectedSnapshot(harness);
    assert.equal(snapshot.servers[0].address, adb.address);
    assert.deepEqual(harness.states, ['starting', 'running']);
    await harness.supervisor.start(); // running: nothing happens
    assert.deepEqual(harness.states, ['starting', 'running']);
  });

  it('pauses with no adb connection held, keeps the last snapshot, and resumes with a fresh one', async () => {
    harness = createPoller({ servers: [adb.address], pollIntervalMs: 200 });
    await harness.supervisor.start();
    const before = await connectedSnapshot(harness);
    assert.ok((await connectionsTo(adb.port)) >= 1, 'the push stream is open while running');

    await harness.supervisor.pause();
    assert.equal(harness.supervisor.state, 'paused');
    assert.ok(harness.supervisor.isStale);
    assert.equal(await connectionsTo(adb.port), 0, 'a paused worker holds no adb connection');
    assert.equal(harness.supervisor.snapshot?.seq, before.seq, 'the last snapshot stays');
    await harness.supervisor.pause(); // paused: nothing happens

    const seqBefore = harness.supervisor.snapshot!.seq;
    const resumed = waitForSnapshot(harness.supervisor, (s) => s.seq > seqBefore, 3000, 'snapshot after resume');
    await harness.supervisor.resume();
    await resumed;
    assert.equal(harness.supervisor.isStale, false);
    assert.deepEqual(harness.states, ['starting', 'running', 'paused', 'running']);
  });

  it('stops gracefully from idle without escalating, and a second stop does nothing', async () => {
    harness = createPoller({ servers: [adb.address] });
    await harness.supervisor.start();
    await connectedSnapshot(harness);
    await harness.supervisor.stop();
    assert.deepEqual(harness.states, ['starting', 'running', 'stopping', 'stopped']);
    assert.ok(!harness.logs.some((line) => line.includes('did not stop')), harness.logs.join('\n'));
    assert.equal(harness.supervisor.workerThread, undefined);
    assert.equal(await connectionsTo(adb.port), 0);
    await supervisorLeftNothing();
    await harness.supervisor.stop();
    assert.deepEqual(harness.states, ['starting', 'running', 'stopping', 'stopped']);
  });

  it('stops gracefully while hung on a server that accepts and never answers', async () => {
    const silent: FakeServer = await startSilentServer();
    try {
      harness = createPoller({ servers: [silent.address], requestTimeoutMs: 60_000 });
      await harness.supervisor.start();
      await waitUntil(() => silent.connectionCount() >= 1, 3000, 'the worker to connect to the silent server');
      await harness.supervisor.stop();
      assert.deepEqual(harness.states, ['starting', 'running', 'stopping', 'stopped']);
      assert.ok(!harness.logs.some((line) => line.includes('did not stop')), 'closing the socket ends the wait');
      assert.equal(await connectionsTo(silent.port), 0);
    } finally {
      await silent.close();
    }
  });

  it('escalates a stop of a worker stuck in a busy loop to terminate, after the deadline', async () => {
    harness = createPoller({ servers: [adb.address] }, { stopDeadlineMs: 300, ...hookedWorker({ allowBusyLoop: true }) });
    const { supervisor } = harness;
    await supervisor.start();
    // Order of events: the deadline's warning, then the end of the stop.
    const events: string[] = [];
    supervisor.onLog(({ message }) => message.includes('did not stop') && events.push(message));
    supervisor.onDidChangeState(({ state }) => events.push(state));
    sendBusyLoop(supervisor);
    await supervisor.stop();
    assert.deepEqual(events, ['stopping', 'the device poller did not stop within 300 ms; terminating it', 'stopped']);
    assert.deepEqual(harness.states, ['starting', 'running', 'stopping', 'stopped']);
    await supervisorLeftNothing();
  });

  it('force-kills a worker in a busy loop at once', async () => {
    harness = createPoller({ servers: [adb.address] }, hookedWorker({ allowBusyLoop: true }));
    await harness.supervisor.start();
    sendBusyLoop(harness.supervisor);
    await harness.supervisor.kill();
    assert.deepEqual(harness.states, ['starting', 'running', 'killed']);
    assert.ok(!harness.logs.some((line) => line.includes('did not stop')), harness.logs.join('\n'));
    await supervisorLeftNothing();
    await harness.supervisor.kill(); // killed: nothing happens
    assert.deepEqual(harness.states, ['starting', 'running', 'killed']);
  });

  it('lets kill win over a stop in progress, without waiting for its deadline', async () => {
    harness = createPoller({ servers: [adb.address] }, { stopDeadlineMs: 60_000, ...hookedWorker({ allowBusyLoop: true }) });
    await harness.supervisor.start();
    sendBusyLoop(harness.supervisor);
    const stopping = harness.supervisor.stop();
    assert.equal(harness.supervisor.stop(), stopping, 'a second stop returns the same promise');
    await harness.supervisor.kill();
    await stopping;
    assert.deepEqual(harness.states, ['starting', 'running', 'stopping', 'killed']);
    assert.ok(!harness.logs.some((line) => line.includes('did not stop')), harness.logs.join('\n'));
    await supervisorLeftNothing();
  });

  it('restarts with a new worker, and starts again after stop and kill', async () => {
    harness = createPoller({ servers: [adb.address] });
    await harness.supervisor.start();
    const firstThread = harness.supervisor.workerThread?.threadId;
    await harness.supervisor.restart();
    assert.notEqual(harness.supervisor.workerThread?.threadId, firstThread);
    assert.notEqual(harness.supervisor.workerThread, undefined);
    await harness.supervisor.kill();
    await harness.supervisor.start();
    assert.deepEqual(harness.states, ['starting', 'running', 'stopping', 'stopped', 'starting', 'running', 'killed', 'starting', 'running']);
  });

  it('restarts a crashing worker with backoff, then stays crashed with the error once the budget is spent', async () => {
    harness = createPoller(
      { servers: [adb.address] },
      {
        ...hookedWorker({ crashAfterMs: 30 }),
        restartBudget: { crashes: 2, windowMs: 60_000 },
        restartBackoff: { initialMs: 20, factor: 2, maxMs: 100 },
      },
    );
    await harness.supervisor.start();
    await waitForState(harness.supervisor, 'crashed', 10_000);
    assert.deepEqual(harness.states, [
      'starting', 'running', 'restarting',
      'starting', 'running', 'restarting',
      'starting', 'running', 'crashed',
    ]);
    assert.match(harness.supervisor.lastError ?? '', /crashed on purpose/);
    assert.ok(harness.logs.some((line) => line.includes('not restarting it again')));
  });

  it('force-kills a worker whose event loop stops answering, and counts it as a crash', async () => {
    harness = createPoller(
      { servers: [adb.address] },
      {
        ...hookedWorker({ ignorePings: true }),
        heartbeatIntervalMs: 50,
        watchdogTimeoutMs: 300,
        restartBudget: { crashes: 0, windowMs: 60_000 },
      },
    );
    await harness.supervisor.start();
    await waitForState(harness.supervisor, 'crashed', 5000);
    assert.deepEqual(harness.states, ['starting', 'running', 'crashed']);
    assert.match(harness.supervisor.lastError ?? '', /stopped answering/);
  });

  it('refuses a worker that speaks another protocol version', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'stale-worker-'));
    // A named fake: a stale worker bundle left over from another version.
    const script = path.join(dir, 'worker.js');
    await fs.writeFile(script, "require('node:worker_threads').parentPort.postMessage({ type: 'ready', protocolVersion: 999 }); setInterval(() => {}, 1000);");
    const supervisor = new PollerSupervisor({ workerScript: script, config: { ...DEFAULT_POLLER_CONFIG, servers: [], adbPath: '/bin/false', requestTimeoutMs: 1000, coalesceMs: 25 } });
    try {
      await assert.rejects(supervisor.start(), /protocol 999/);
      await waitForState(supervisor, 'crashed', 2000);
      await supervisorLeftNothing();
    } finally {
      await supervisor.dispose();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('disposes from any state; everything after dispose fails clearly', async () => {
    harness = createPoller({ servers: [adb.address] });
    await harness.supervisor.start();
    await harness.supervisor.pause();
    const disposing = harness.supervisor.dispose();
    assert.equal(harness.supervisor.dispose(), disposing);
    await disposing;
    assert.deepEqual(harness.states, ['starting', 'running', 'paused', 'stopping', 'stopped', 'disposed']);
    await supervisorLeftNothing();
    await assert.rejects(harness.supervisor.start(), DisposedError);
    await assert.rejects(harness.supervisor.stop(), DisposedError);
    await assert.rejects(harness.supervisor.kill(), DisposedError);
    await assert.rejects(harness.supervisor.pause(), DisposedError);
    assert.throws(() => harness!.supervisor.refresh(), DisposedError);
  });

  it('never keeps its host process alive (the worker is a daemon)', async () => {
    // A child process that starts a poller, holds itself open for 1 s, then has nothing left to do:
    // it must end on its own (the timeout is only there to fail the test rather than hang it).
    const program = `
      const { PollerSupervisor } = require(${JSON.stringify(require.resolve('../../src/core/supervisor/pollerSupervisor'))});
      const s = new PollerSupervisor({ workerScript: ${JSON.stringify(WORKER_SCRIPT)},
        config: { servers: [${JSON.stringify(adb.address)}], pollIntervalMs: 1000, adbPath: '/bin/false', startServer: false, requestTimeoutMs: 1000, coalesceMs: 25 } });
      void s.start();
      setTimeout(() => console.log('state at 1 s: ' + s.state), 1000);
      process.on('exit', () => console.log('exited with the poller ' + s.state));`;
    const output = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['-e', program], { timeout: 15_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    });
    assert.match(output, /state at 1 s: running\nexited with the poller running/);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    // The fake server has no event for "a client connected" that this test can subscribe to.
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// Every command from every settled state, on the real worker: where each one ends. (The fast
// tier, test/unit/supervisorCommands.test.ts, adds the transitional states and more commands.)
describe('poller supervisor: every command in every state', function () {
  let adb: PrivateAdbServer;
  before(async () => {
    adb = await PrivateAdbServer.start();
  });
  after(async () => {
    await adb?.stop();
  });
  useResourceTracker(() => undefined, 5000);

  type Command = 'start' | 'pause' | 'resume' | 'stop' | 'kill' | 'restart';
  type Settled = 'idle' | 'running' | 'paused' | 'stopped' | 'killed' | 'crashed';
  const expected: Record<Settled, Record<Command, Settled>> = {
    idle: { start: 'running', pause: 'idle', resume: 'idle', stop: 'idle', kill: 'idle', restart: 'running' },
    running: { start: 'running', pause: 'paused', resume: 'running', stop: 'stopped', kill: 'killed', restart: 'running' },
    paused: { start: 'paused', pause: 'paused', resume: 'running', stop: 'stopped', kill: 'killed', restart: 'running' },
    stopped: { start: 'running', pause: 'stopped', resume: 'stopped', stop: 'stopped', kill: 'stopped', restart: 'running' },
    killed: { start: 'running', pause: 'killed', resume: 'killed', stop: 'killed', kill: 'killed', restart: 'running' },
    crashed: { start: 'running', pause: 'crashed', resume: 'crashed', stop: 'crashed', kill: 'crashed', restart: 'running' },
  };

  async function reach(state: Settled): Promise<Harness> {
    // The crash hook is read at each spawn: it is removed once the poller has crashed for good.
    const testHooks: { crashAfterMs?: number } = state === 'crashed' ? { crashAfterMs: 0 } : {};
    const harness = createPoller({ servers: [adb.address] }, { ...hookedWorker(testHooks), restartBudget: { crashes: 0, windowMs: 60_000 } });
    const { supervisor } = harness;
    if (state === 'crashed') {
      await supervisor.start().catch(() => undefined);
      await waitForState(supervisor, 'crashed', 5000);
      delete testHooks.crashAfterMs;
      return harness;
    }
    if (state !== 'idle') await supervisor.start();
    if (state === 'paused') await supervisor.pause();
    if (state === 'stopped') await supervisor.stop();
    if (state === 'killed') await supervisor.kill();
    return harness;
  }

  it('applies a new config by restarting a live worker; a paused one starts paused, holding no connection', async () => {
    const { supervisor, states } = await reach('paused');
    try {
      await supervisor.reconfigure({ ...supervisor.config, pollIntervalMs: 500 });
      assert.equal(supervisor.state, 'paused');
      assert.equal(supervisor.config.pollIntervalMs, 500);
      assert.deepEqual(states, ['starting', 'running', 'paused', 'stopping', 'stopped', 'starting', 'paused']);
      assert.equal(await connectionsTo(adb.port), 0, 'the new worker opened no adb connection');
      await supervisor.reconfigure({ ...supervisor.config }); // same config: nothing happens
      assert.equal(states.length, 7);
      // Resumed, it connects and sends a fresh snapshot.
      const seq = supervisor.snapshot?.seq ?? 0;
      const fresh = waitForSnapshot(supervisor, (s) => s.seq > seq && s.servers[0]?.status === 'connected', 5000, 'snapshot after resume');
      await supervisor.resume();
      await fresh;
      assert.equal(supervisor.state, 'running');
    } finally {
      await supervisor.dispose();
    }
  });

  for (const [from, outcomes] of Object.entries(expected) as [Settled, Record<Command, Settled>][]) {
    for (const [command, to] of Object.entries(outcomes) as [Command, Settled][]) {
      it(`${command} from ${from} ends ${to}`, async () => {
        const { supervisor } = await reach(from);
        try {
          assert.equal(supervisor.state, from);
          await supervisor[command]();
          assert.equal(supervisor.state, to);
          assert.equal(supervisor.workerThread?.threadId !== undefined, to === 'running' || to === 'paused', 'a worker lives exactly when running or paused');
        } finally {
          await supervisor.dispose();
        }
      });
    }
  }
});
