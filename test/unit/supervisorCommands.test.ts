// Every command from every state, the transitional ones included (a slow start, a hung stop, a
// crashed worker waiting to restart), against the scripted worker: the states that follow the
// command, in order, and its outcome. Nothing of the supervisor's may be left alive afterwards.

import * as assert from 'node:assert/strict';
import { DisposedError, PollerState } from '../../src/core/supervisor/pollerSupervisor';
import { useResourceTracker } from '../support/resourceTracker';
import { Scripted, scriptedSupervisor, whenState } from '../support/scriptedSupervisor';
import { ScriptedWorkerOptions } from '../support/scriptedWorker';

type Command = 'start' | 'stop' | 'pause' | 'resume' | 'kill' | 'restart' | 'refresh' | 'reconfigure' | 'runAdbCommand' | 'dispose';
type From = 'idle' | 'starting' | 'running' | 'paused' | 'stopping' | 'stopped' | 'killed' | 'restarting' | 'crashed';

const RESTART = 'stopping>stopped>starting>running';
const SETTLED_DOWN = { start: 'starting>running', stop: '', pause: '', resume: '', kill: '', restart: 'starting>running', refresh: '', reconfigure: '', runAdbCommand: '', dispose: 'disposed' };

/** The states each command leads through, `>`-separated ('' = none). */
const EXPECTED: Record<From, Record<Command, string>> = {
  idle: SETTLED_DOWN,
  starting: { start: 'running', stop: 'stopping>stopped', pause: 'running>paused', resume: 'running', kill: 'killed', restart: RESTART, refresh: 'running', reconfigure: RESTART, runAdbCommand: 'running', dispose: 'stopping>stopped>disposed' },
  running: { start: '', stop: 'stopping>stopped', pause: 'paused', resume: '', kill: 'killed', restart: RESTART, refresh: '', reconfigure: RESTART, runAdbCommand: '', dispose: 'stopping>stopped>disposed' },
  paused: { start: '', stop: 'stopping>stopped', pause: '', resume: 'running', kill: 'killed', restart: RESTART, refresh: '', reconfigure: 'stopping>stopped>starting>paused', runAdbCommand: '', dispose: 'stopping>stopped>disposed' },
  stopping: { start: 'stopped>starting>running', stop: 'stopped', pause: 'stopped', resume: 'stopped', kill: 'killed', restart: 'stopped>starting>running', refresh: 'stopped', reconfigure: 'stopped', runAdbCommand: 'stopped', dispose: 'stopped>disposed' },
  stopped: SETTLED_DOWN,
  killed: SETTLED_DOWN,
  restarting: { start: 'starting>running', stop: 'stopped', pause: '', resume: '', kill: 'killed', restart: 'stopped>starting>running', refresh: '', reconfigure: '', runAdbCommand: '', dispose: 'stopped>disposed' },
  crashed: SETTLED_DOWN,
};

/** What runAdbCommand answers in each state. */
const ADB_ANSWER: Record<From, RegExp> = {
  idle: /is idle; start it first/,
  starting: /is starting; try again once it runs/,
  running: /^scripted connect$/,
  paused: /is paused; resume it first/,
  stopping: /is stopping; start it first/,
  stopped: /is stopped; start it first/,
  killed: /is killed; start it first/,
  restarting: /is restarting; try again once it runs/,
  crashed: /is crashed; start it first/,
};

describe('supervisor: every command from every state (scripted worker)', () => {
  let fixture: Scripted | undefined;
  /** The stop in progress when the test starts from `stopping`. */
  let stopping: Promise<void> | undefined;

  beforeEach(() => {
    stopping = undefined;
  });
  useResourceTracker(async () => {
    await fixture?.supervisor.dispose();
    fixture = undefined;
  }, 3000);

  async function reach(from: From): Promise<Scripted> {
    const script: ScriptedWorkerOptions = {};
    if (from === 'starting') script.readyAfterMs = 50;
    if (from === 'stopping') script.ignoreStop = true;
    if (from === 'restarting' || from === 'crashed') script.crashAfterMs = 0;
    fixture = scriptedSupervisor(script, {
      stopDeadlineMs: 100,
      disposeDeadlineMs: 100,
      restartBudget: { crashes: from === 'crashed' ? 0 : 5, windowMs: 60_000 },
      restartBackoff: { initialMs: 60_000, factor: 1, maxMs: 60_000 },
    });
    const { supervisor } = fixture;
    switch (from) {
      case 'starting':
        void supervisor.start().catch(() => undefined);
        break;
      case 'restarting':
      case 'crashed':
        void supervisor.start().catch(() => undefined);
        await whenState(supervisor, from);
        // The next worker started by a command runs.
        delete script.crashAfterMs;
        break;
      case 'idle':
        break;
      default:
        await supervisor.start();
    }
    if (from === 'paused') await supervisor.pause();
    if (from === 'stopped') await supervisor.stop();
    if (from === 'killed') await supervisor.kill();
    if (from === 'stopping') stopping = supervisor.stop();
    assert.equal(supervisor.state, from);
    fixture.states.length = 0;
    return fixture;
  }

  /** Not async: a command's own promise is returned as it is. */
  function invoke({ supervisor }: Scripted, command: Command): Promise<unknown> {
    switch (command) {
      case 'refresh':
        supervisor.refresh();
        return Promise.resolve();
      case 'reconfigure':
        return supervisor.reconfigure({ ...supervisor.config, pollIntervalMs: supervisor.config.pollIntervalMs + 1 });
      case 'runAdbCommand':
        return supervisor.runAdbCommand({ kind: 'connect', server: '127.0.0.1:5037', address: '10.0.0.2:5555' });
      default:
        return supervisor[command]();
    }
  }

  for (const [from, commands] of Object.entries(EXPECTED) as [From, Record<Command, string>][]) {
    for (const [command, sequence] of Object.entries(commands) as [Command, string][]) {
      const expected = sequence ? (sequence.split('>') as PollerState[]) : [];
      const end = expected.at(-1) ?? from;
      it(`${command} from ${from}: ${sequence || 'nothing happens'}`, async () => {
        const scripted = await reach(from);
        const { supervisor, states } = scripted;
        const stopBefore = stopping;
        const outcome = invoke(scripted, command);
        if (command === 'stop' && stopBefore) {
          assert.equal(outcome, stopBefore, 'a stop while stopping returns the stop in progress');
        }
        const result = await outcome;
        await whenState(supervisor, end);
        await stopBefore;
        assert.deepEqual(states, expected);
        assert.equal(supervisor.state, end);
        if (command === 'runAdbCommand') {
          assert.match((result as { message: string }).message, ADB_ANSWER[from]);
        }
        if (end !== 'disposed') {
          assert.equal(supervisor.workerThread !== undefined, end === 'running' || end === 'paused', 'a worker lives exactly when running or paused');
        }
      });
    }
  }

  it('after dispose every command fails clearly, and dispose returns the same promise', async () => {
    const { supervisor, states } = await reach('running');
    const disposing = supervisor.dispose();
    assert.equal(supervisor.dispose(), disposing);
    await disposing;
    assert.deepEqual(states, ['stopping', 'stopped', 'disposed']);
    for (const command of ['start', 'stop', 'pause', 'resume', 'kill', 'restart', 'reconfigure', 'runAdbCommand'] as const) {
      await assert.rejects(invoke(fixture!, command), DisposedError, command);
    }
    assert.throws(() => supervisor.refresh(), DisposedError);
    assert.deepEqual(states, ['stopping', 'stopped', 'disposed']);
  });
});
