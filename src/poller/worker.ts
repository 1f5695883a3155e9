// Worker entry: wires the host's messages to the DevicePoller. Never imports `vscode`, never
// blocks its event loop (force-kill cannot interrupt a synchronous native call).

import { parentPort, workerData } from 'node:worker_threads';
import { DevicePoller } from './devicePoller';
import { HostMessage, PROTOCOL_VERSION, WorkerData, WorkerMessage } from './protocol';

if (!parentPort) {
  throw new Error('the device poller runs only as a worker thread');
}
const port = parentPort;
const { config, testHooks = {} } = workerData as WorkerData;

const post = (message: WorkerMessage): void => port.postMessage(message);

const poller = new DevicePoller(config, {
  snapshot: (snapshot, changes) => post({ type: 'snapshot', snapshot, changes }),
  log: (level, message) => post({ type: 'log', level, message }),
});

function onMessage(message: HostMessage): void {
  switch (message.type) {
    case 'ping':
      if (!testHooks.ignorePings) {
        post({ type: 'pong', id: message.id });
      }
      break;
    case 'pause':
      poller.pause();
      post({ type: 'paused' });
      break;
    case 'resume':
      poller.resume();
      post({ type: 'resumed' });
      break;
    case 'refresh':
      poller.refresh();
      break;
    case 'adb-command':
      void poller.runCommand(message.command).then(({ ok, message: text }) => post({ type: 'adb-command-result', id: message.id, ok, message: text }));
      break;
    case 'stop':
      // Graceful: close every socket and timer, say so, and let the thread end on its own.
      poller.stop();
      post({ type: 'stopped' });
      port.off('message', onMessage);
      port.unref();
      break;
    case 'test-busy-loop':
      if (testHooks.allowBusyLoop) {
        for (;;) {
          // A worker stuck where no message can reach it: only terminate() ends this.
        }
      }
      break;
    case 'test-leak':
      if (testHooks.allowLeak) {
        leakForever();
      }
      break;
    case 'test-heap':
      if (testHooks.reportHeap) {
        // A test process that set V8's --expose-gc gets a settled heap; elsewhere gc is absent.
        (globalThis as { gc?: () => void }).gc?.();
        const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
        post({ type: 'test-heap', id: message.id, memory: { rss, heapTotal, heapUsed, external, arrayBuffers } });
      }
      break;
    default:
      post({ type: 'log', level: 'warn', message: `unknown message from host: ${JSON.stringify(message)}` });
  }
}

/**
 * Test hook only: a runaway that keeps every object it makes, a few MB of JS heap per turn, and
 * yields between turns (it still answers pings): only the heap cap (`maxHeapMb`) can end it.
 */
function leakForever(): void {
  const kept: unknown[][] = [];
  const grow = (): void => {
    const chunk: unknown[] = [];
    for (let i = 0; i < 100_000; i++) {
      chunk.push({ i, text: `leak ${i}` });
    }
    kept.push(chunk);
    setImmediate(grow);
  };
  grow();
}

port.on('message', onMessage);
if (testHooks.crashAfterMs !== undefined) {
  setTimeout(() => {
    throw new Error('test hook: worker crashed on purpose');
  }, testHooks.crashAfterMs);
}
post({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
poller.start();
