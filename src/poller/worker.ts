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
    default:
      post({ type: 'log', level: 'warn', message: `unknown message from host: ${JSON.stringify(message)}` });
  }
}

port.on('message', onMessage);
if (testHooks.crashAfterMs !== undefined) {
  setTimeout(() => {
    throw new Error('test hook: worker crashed on purpose');
  }, testHooks.crashAfterMs);
}
post({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
poller.start();
