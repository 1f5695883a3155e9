// The worker's capability registry (src/poller/workerCapabilities.ts) with a fake post: routing by
// name with the id, typed posts back, clear errors for an unknown name, a part that throws or
// rejects, and work refused between endAll and accept. The real worker: test/adb/workerCapabilities.

import * as assert from 'node:assert/strict';
import { DeviceServices } from '../../src/core/adb/deviceServices';
import { WorkerMessage } from '../../src/poller/protocol';
import { WorkerCapabilities, WorkerCapability } from '../../src/poller/workerCapabilities';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('worker capabilities (registry)', () => {
  function make() {
    const posted: WorkerMessage[] = [];
    const ended: string[] = [];
    const echo: WorkerCapability<{ say: string } | { fail: 'throw' | 'reject' }, { heard: string }> = {
      name: 'echo',
      handle({ id, payload }, context) {
        if ('fail' in payload) {
          if (payload.fail === 'throw') throw new Error('thrown');
          return Promise.reject(new Error('rejected'));
        }
        context.post({ heard: payload.say }, { id });
        return undefined;
      },
      endAll(reason, context) {
        ended.push(reason);
        context.post({ heard: `ended ${reason}` });
      },
    };
    const services = new DeviceServices({ adbPath: '/bin/false', requestTimeoutMs: 1000 });
    const registry = new WorkerCapabilities([echo], services, (message) => posted.push(message));
    return { registry, posted, ended };
  }

  it('routes a message to its capability by name, with its id; the capability posts back under its name', () => {
    const { registry, posted } = make();
    registry.handle({ name: 'echo', id: 4, payload: { say: 'hi' } });
    assert.deepEqual(posted, [{ type: 'capability', name: 'echo', id: 4, payload: { heard: 'hi' } }]);
  });

  it('answers an unknown name, a part that throws and one that rejects with capability-error, and goes on', async () => {
    const { registry, posted } = make();
    registry.handle({ name: 'nope', id: 1, payload: null });
    registry.handle({ name: 'echo', id: 2, payload: { fail: 'throw' } });
    registry.handle({ name: 'echo', id: 3, payload: { fail: 'reject' } });
    await turn();
    registry.handle({ name: 'echo', id: 5, payload: { say: 'still here' } });
    assert.deepEqual(posted, [
      { type: 'capability-error', name: 'nope', id: 1, message: `no worker capability named "nope" (this worker has: 'echo')` },
      { type: 'capability-error', name: 'echo', id: 2, message: "worker capability 'echo' failed: thrown" },
      { type: 'capability-error', name: 'echo', id: 3, message: "worker capability 'echo' failed: rejected" },
      { type: 'capability', name: 'echo', id: 5, payload: { heard: 'still here' } },
    ]);
  });

  it('endAll ends every capability\'s work (it may say so) and refuses work until accept()', () => {
    const { registry, posted, ended } = make();
    registry.endAll('paused');
    registry.handle({ name: 'echo', id: 1, payload: { say: 'while paused' } });
    registry.accept();
    registry.handle({ name: 'echo', id: 2, payload: { say: 'resumed' } });
    assert.deepEqual(ended, ['paused']);
    assert.deepEqual(posted, [
      { type: 'capability', name: 'echo', id: undefined, payload: { heard: 'ended paused' } },
      { type: 'capability-error', name: 'echo', id: 1, message: "the device watcher paused; 'echo' takes no work until it resumes" },
      { type: 'capability', name: 'echo', id: 2, payload: { heard: 'resumed' } },
    ]);
  });

  it('refuses two capabilities with one name', () => {
    const part: WorkerCapability = { name: 'twice', handle: () => undefined, endAll: () => undefined };
    assert.throws(() => new WorkerCapabilities([part, part], new DeviceServices({ adbPath: '/bin/false', requestTimeoutMs: 1000 }), () => undefined), /two worker capabilities named 'twice'/);
  });
});
