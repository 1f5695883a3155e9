// The supervisor against a scripted worker (milliseconds per test): the ready handshake, the
// watchdog, why a worker ended, and the user's pause across stops and restarts. Every test ends
// with nothing of the supervisor's left alive, unref'd timers and threads included.

import * as assert from 'node:assert/strict';
import { PROTOCOL_VERSION } from '../../src/poller/protocol';
import { LOG_LEVELS, LogLine } from '../../src/core/types';
import { MADE_BY_SUPERVISOR, useResourceTracker } from '../support/resourceTracker';
import { Scripted, scriptedSupervisor, whenLog, whenState } from '../support/scriptedSupervisor';

/** Holds the host's thread like a breakpoint or another extension's synchronous work would. */
function stallHost(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Nothing runs on this thread meanwhile: no timer, no message.
  }
}

describe('supervisor (scripted worker)', () => {
  let fixture: Scripted | undefined;
  const use = (scripted: Scripted) => (fixture = scripted);
  const tracker = useResourceTracker(async () => {
    await fixture?.supervisor.dispose();
    fixture = undefined;
  }, 3000);

  describe('the ready handshake', () => {
    it('counts a worker that never says ready as a failed start', async () => {
      const { supervisor, states } = use(scriptedSupervisor({ neverReady: true }, { readyTimeoutMs: 100, restartBudget: { crashes: 0, windowMs: 60_000 } }));
      await assert.rejects(supervisor.start(), /did not start within 100 ms/);
      await whenState(supervisor, 'crashed');
      assert.deepEqual(states, ['starting', 'crashed']);
      assert.match(supervisor.lastError ?? '', /did not start within 100 ms/);
    });

    it('refuses a worker that speaks another protocol version', async () => {
      const { supervisor, states } = use(scriptedSupervisor({ protocolVersion: 999 }));
      await assert.rejects(supervisor.start(), new RegExp(`protocol 999, expected ${PROTOCOL_VERSION};`));
      await whenState(supervisor, 'crashed');
      assert.deepEqual(states, ['starting', 'crashed']);
    });

    it('ignores a second ready: one heartbeat runs, and the host says so', async () => {
      const { supervisor, states, logs } = use(scriptedSupervisor({ readyTwice: true }));
      const sentTwice = whenLog(supervisor, /ready sent twice/);
      await supervisor.start();
      // The worker logs after its second ready; messages arrive in order, so both were handled.
      await sentTwice;
      await tracker().settle();
      assert.equal(tracker().counts(MADE_BY_SUPERVISOR).Timeout, 1, `the supervisor's live timers:\n${tracker().describe()}`);
      assert.ok(logs.some((line) => /said ready twice; ignored/.test(line.message)));
      assert.deepEqual(states, ['starting', 'running']);
    });
  });

  describe('the watchdog', () => {
    const options = { heartbeatIntervalMs: 50, watchdogTimeoutMs: 300, restartBudget: { crashes: 0, windowMs: 60_000 } };

    it('does not blame a healthy worker for a host stall longer than its timeout', async () => {
      // The worker answers each ping 100 ms after it came: the stall starts while one is in flight,
      // and its pong arrives during the stall, to be read only after the timers have run.
      const { supervisor, states } = use(scriptedSupervisor({ logPings: true, pongAfterMs: 100 }, options));
      await supervisor.start();
      await whenLog(supervisor, /^pong 1$/);
      const received = await whenLog(supervisor, /^ping \d+ received$/);
      const inFlight = Number(/\d+/.exec(received.message)![0]);
      // After the message phase: the next loop turn runs the heartbeat's timer before any message.
      setImmediate(() => stallHost(1000));
      await whenLog(supervisor, new RegExp(`^pong ${inFlight}$`));
      // Two more heartbeats answered after the stall, by the same worker.
      await whenLog(supervisor, new RegExp(`^pong ${inFlight + 2}$`));
      assert.deepEqual(states, ['starting', 'running']);
      assert.equal(supervisor.lastError, undefined);
    });

    it('force-kills a worker that really stops answering, and counts a crash', async () => {
      const { supervisor, states } = use(scriptedSupervisor({ ignorePings: true }, options));
      await supervisor.start();
      await whenState(supervisor, 'crashed');
      assert.deepEqual(states, ['starting', 'running', 'crashed']);
      assert.match(supervisor.lastError ?? '', /stopped answering for \d+ ms; it was force-killed/);
    });
  });

  describe('why a worker ended: the host never overwrites its own deliberate cause', () => {
    const slowHungStart = { neverReady: true, ignoreStop: true };

    it('a stop during a slow start stays a stop when the ready deadline passes', async () => {
      const { supervisor, states } = use(scriptedSupervisor(slowHungStart, { readyTimeoutMs: 100 }));
      const started = supervisor.start();
      await supervisor.stop();
      await assert.rejects(started);
      assert.deepEqual(states, ['starting', 'stopping', 'stopped']);
      assert.equal(supervisor.lastError, undefined);
    });

    it('a dispose during a slow start ends disposed, and no worker starts after it', async () => {
      const { supervisor, states } = use(scriptedSupervisor(slowHungStart, { readyTimeoutMs: 100 }));
      const started = supervisor.start();
      await supervisor.dispose();
      await assert.rejects(started);
      assert.deepEqual(states, ['starting', 'stopping', 'stopped', 'disposed']);
      // A restart timer left behind would spawn a worker: nothing may stay alive.
      await tracker().untilNoneAlive(2000);
      assert.equal(supervisor.state, 'disposed');
    });

    it('a protocol mismatch during a hung stop ends stopped, not crashed', async () => {
      const { supervisor, states } = use(scriptedSupervisor({ protocolVersion: 999, readyAfterMs: 50, ignoreStop: true }));
      const started = supervisor.start();
      await supervisor.stop();
      await assert.rejects(started, /protocol 999/);
      assert.deepEqual(states, ['starting', 'stopping', 'stopped']);
    });

    it('kill wins over a stop in progress', async () => {
      const { supervisor, states } = use(scriptedSupervisor({ ignoreStop: true }));
      await supervisor.start();
      const stopping = supervisor.stop();
      await supervisor.kill();
      await stopping;
      assert.deepEqual(states, ['starting', 'running', 'stopping', 'killed']);
    });

    it('a stop after a kill does not undo it', async () => {
      const { supervisor, states } = use(scriptedSupervisor());
      await supervisor.start();
      const killing = supervisor.kill();
      await supervisor.stop();
      await killing;
      assert.deepEqual(states, ['starting', 'running', 'stopping', 'killed']);
    });

    it('a dispose while a crashed worker waits to restart leaves nothing behind', async () => {
      const { supervisor, states, script } = use(scriptedSupervisor({ crashAfterMs: 0 }, { restartBackoff: { initialMs: 60_000, factor: 1, maxMs: 60_000 } }));
      void supervisor.start().catch(() => undefined);
      await whenState(supervisor, 'restarting');
      delete script.crashAfterMs;
      await supervisor.dispose();
      assert.deepEqual(states.slice(-3), ['restarting', 'stopped', 'disposed']);
      await tracker().untilNoneAlive(2000);
    });
  });

  describe("the user's pause", () => {
    it('a pause while stopping does not carry into the next start', async () => {
      const { supervisor, states } = use(scriptedSupervisor({ ignoreStop: true }, { stopDeadlineMs: 100 }));
      await supervisor.start();
      const stopping = supervisor.stop();
      await supervisor.pause();
      await stopping;
      await supervisor.start();
      assert.deepEqual(states, ['starting', 'running', 'stopping', 'stopped', 'starting', 'running']);
    });

    it('a paused poller restarted with new settings starts paused and opens nothing', async () => {
      const { supervisor, states, logs } = use(scriptedSupervisor());
      await supervisor.start();
      await supervisor.pause();
      const from = logs.length;
      const startedPaused = whenLog(supervisor, /scripted worker: started paused/);
      await supervisor.reconfigure({ ...supervisor.config, pollIntervalMs: 500 });
      await startedPaused;
      assert.deepEqual(states, ['starting', 'running', 'paused', 'stopping', 'stopped', 'starting', 'paused']);
      const after = logs.slice(from).map((line) => line.message);
      assert.ok(after.includes('scripted worker: started paused'), after.join('\n'));
      assert.ok(!after.includes('scripted worker: watching'), after.join('\n'));
      assert.equal(supervisor.config.pollIntervalMs, 500);
    });

    it('a resume while that restart is starting is honoured', async () => {
      const { supervisor, states } = use(scriptedSupervisor({ readyAfterMs: 30 }));
      await supervisor.start();
      await supervisor.pause();
      const reconfigured = supervisor.reconfigure({ ...supervisor.config, pollIntervalMs: 500 });
      await whenState(supervisor, 'starting');
      const watching = whenLog(supervisor, /scripted worker: watching/);
      await supervisor.resume();
      await reconfigured;
      await watching;
      assert.equal(supervisor.state, 'running');
      assert.deepEqual(states, ['starting', 'running', 'paused', 'stopping', 'stopped', 'starting', 'running']);
    });

    it('a resume while that restart is stopping is honoured', async () => {
      const { supervisor, states } = use(scriptedSupervisor());
      await supervisor.start();
      await supervisor.pause();
      const reconfigured = supervisor.reconfigure({ ...supervisor.config, pollIntervalMs: 500 });
      assert.equal(supervisor.state, 'stopping');
      await supervisor.resume();
      await reconfigured;
      assert.equal(supervisor.state, 'running');
      assert.deepEqual(states, ['starting', 'running', 'paused', 'stopping', 'stopped', 'starting', 'running']);
    });
  });

  describe("the window's focus", () => {
    const focusLines = (logs: LogLine[]) => logs.filter((line) => /^scripted worker: (focused|started in the background)/.test(line.message)).map((line) => line.message);

    it('reaches the worker only when it changes', async () => {
      const { supervisor, logs } = use(scriptedSupervisor());
      await supervisor.start();
      supervisor.setFocused(true); // focused already: a window starts focused
      supervisor.setFocused(false);
      supervisor.setFocused(false);
      supervisor.setFocused(true);
      supervisor.setFocused(true);
      // Messages arrive in order: once the refresh is heard, every focus message before it was too.
      const refreshed = whenLog(supervisor, /scripted worker: refreshed/);
      supervisor.refresh();
      await refreshed;
      assert.deepEqual(focusLines(logs), ['scripted worker: focused false', 'scripted worker: focused true']);
    });

    it('is kept for the workers that follow: one started in the background is told so at start, not by a message', async () => {
      const { supervisor, logs } = use(scriptedSupervisor());
      supervisor.setFocused(false);
      await supervisor.start();
      await whenLog(supervisor, /scripted worker: watching/);
      // A settings restart: the next worker starts in the background too.
      const restarted = whenLog(supervisor, /scripted worker: watching/);
      await supervisor.reconfigure({ ...supervisor.config, pollIntervalMs: 500 });
      await restarted;
      const refreshed = whenLog(supervisor, /scripted worker: refreshed/);
      supervisor.refresh();
      await refreshed;
      assert.deepEqual(focusLines(logs), ['scripted worker: started in the background', 'scripted worker: started in the background']);
    });

    it('slows the heartbeat down in the background and brings it back at once on focus', async () => {
      const { supervisor, logs } = use(scriptedSupervisor({ logPings: true }, { heartbeatIntervalMs: 10, backgroundHeartbeatIntervalMs: 60_000 }));
      const pings = () => logs.filter((line) => /^ping \d+ received$/.test(line.message)).length;
      await supervisor.start();
      await whenLog(supervisor, /^ping 3 received$/);
      const inBackground = whenLog(supervisor, /scripted worker: focused false/);
      supervisor.setFocused(false);
      await inBackground;
      const before = pings();
      // No event says that a ping did not come: 20 focused periods without one.
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(pings(), before, 'a ping came at the focused pace while in the background');
      const again = whenLog(supervisor, new RegExp(`^ping ${before + 1} received$`));
      supervisor.setFocused(true);
      await again;
    });

    it('keeps the watchdog in the background: a worker that stops answering is still ended, at the slower pace', async () => {
      const { supervisor, states } = use(
        scriptedSupervisor({ ignorePings: true }, { heartbeatIntervalMs: 20, backgroundHeartbeatIntervalMs: 100, watchdogTimeoutMs: 250, restartBudget: { crashes: 0, windowMs: 60_000 } }),
      );
      supervisor.setFocused(false);
      await supervisor.start();
      await whenState(supervisor, 'crashed');
      assert.deepEqual(states, ['starting', 'running', 'crashed']);
      assert.match(supervisor.lastError ?? '', /stopped answering for \d+ ms; it was force-killed/);
    });

    it('is ignored after dispose', async () => {
      const { supervisor } = use(scriptedSupervisor());
      await supervisor.start();
      await supervisor.dispose();
      supervisor.setFocused(false);
      assert.equal(supervisor.state, 'disposed');
    });
  });

  describe('messages', () => {
    it('runs adb commands only while running; while paused it says to resume', async () => {
      const { supervisor } = use(scriptedSupervisor());
      await supervisor.start();
      const command = { kind: 'connect', server: '127.0.0.1:5037', address: '10.0.0.2:5555' } as const;
      assert.deepEqual(await supervisor.runAdbCommand(command), { ok: true, message: 'scripted connect' });
      await supervisor.pause();
      const paused = await supervisor.runAdbCommand(command);
      assert.equal(paused.ok, false);
      assert.match(paused.message, /is paused; resume it first/);
    });

    it('passes a log line at a level the host does not know on at a known one', async () => {
      const { supervisor } = use(scriptedSupervisor({ oddLogLevel: true }));
      const line = whenLog(supervisor, /a line at an odd level/);
      await supervisor.start();
      const { level } = await line;
      assert.ok(LOG_LEVELS.includes(level), level);
      assert.equal(level, 'info');
    });
  });
});
