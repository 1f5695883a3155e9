// The supervisor's capability channels against a scripted worker whose every capability echoes:
// routing by name, nothing sent unless the watcher runs, and the end of the work heard once for
// each time the watcher ran (pause, a pause and resume in quick succession, stop, kill, a crash).
// The real worker and its registry: test/adb/workerCapabilities, test/unit/workerCapabilities.

import * as assert from 'node:assert/strict';
import { CapabilityMessage, CapabilityWorkerEnd } from '../../src/core/supervisor/pollerSupervisor';
import { MADE_BY_SUPERVISOR, useResourceTracker } from '../support/resourceTracker';
import { Scripted, scriptedSupervisor, whenState } from '../support/scriptedSupervisor';
import { waitUntil } from '../../lab/wait';

describe('capability channels (scripted worker)', () => {
  let fixture: Scripted | undefined;
  const tracker = useResourceTracker(async () => {
    await fixture?.supervisor.dispose();
    fixture = undefined;
  }, 3000);

  function channels(scripted: Scripted) {
    const mine = scripted.supervisor.capabilityChannel<{ n: number }, { n: number }>('mine');
    const other = scripted.supervisor.capabilityChannel<string, string>('other');
    const heard: CapabilityMessage<{ n: number }>[] = [];
    const otherHeard: string[] = [];
    const ends: CapabilityWorkerEnd['reason'][] = [];
    mine.onMessage((message) => heard.push(message));
    other.onMessage((message) => otherHeard.push(message.payload));
    mine.onWorkerEnd((end) => ends.push(end.reason));
    return { mine, other, heard, otherHeard, ends };
  }

  it('routes by name and id while running; sends nothing otherwise; the work ends once per run', async () => {
    fixture = scriptedSupervisor({}, { restartBudget: { crashes: 0, windowMs: 60_000 } });
    const { supervisor } = fixture;
    const { mine, heard, otherHeard, ends } = channels(fixture);
    assert.equal(mine.post({ n: 0 }), false, 'nothing sent before start');
    await supervisor.start();
    assert.equal(mine.post({ n: 1 }, { id: 7 }), true);
    await waitUntil(() => heard.length === 1, 5000, 'the echo', { on: [mine.onMessage] });
    assert.deepEqual(heard, [{ id: 7, payload: { n: 1 } }]);
    assert.deepEqual(otherHeard, [], 'another name hears nothing');

    await supervisor.pause();
    assert.deepEqual(ends, ['paused']);
    assert.equal(mine.post({ n: 2 }), false, 'nothing sent while paused');
    // A pause and a resume at once: the pause still ended the work, and the run after it is live.
    await Promise.all([supervisor.resume(), supervisor.pause(), supervisor.resume()]);
    await whenState(supervisor, 'running');
    await supervisor.stop();
    assert.deepEqual(ends, ['paused', 'paused', 'stopped']);
    assert.equal(mine.post({ n: 3 }), false);

    await supervisor.start();
    await supervisor.kill();
    assert.deepEqual(ends, ['paused', 'paused', 'stopped', 'killed']);
    await tracker().untilNoneAlive(3000, MADE_BY_SUPERVISOR);
  });

  it('hears a crash as the end of the work, and is disposed with the supervisor', async () => {
    fixture = scriptedSupervisor({ crashAfterMs: 50 }, { restartBudget: { crashes: 0, windowMs: 60_000 } });
    const { supervisor } = fixture;
    const { mine, ends } = channels(fixture);
    const crashed = new Promise<CapabilityWorkerEnd>((resolve) => mine.onWorkerEnd(resolve));
    await supervisor.start();
    const end = await crashed;
    assert.equal(end.reason, 'crashed');
    assert.match(end.message, /crashed on purpose/);
    assert.deepEqual(ends, ['crashed']);
    await supervisor.dispose();
    assert.equal(mine.post({ n: 1 }), false);
  });
});
