// The worker's body: wires the host's messages to the DevicePoller. Never imports `vscode`, never
// blocks its event loop (force-kill cannot interrupt a synchronous native call). The shipped
// entry (workerMain.ts) runs it as it is; a test entry may pass a handler that sees each message
// first (test hooks live with the tests, never in the shipped bundle).

import { parentPort, workerData } from 'node:worker_threads';
import { DeviceJobs } from './deviceJobs';
import { DevicePoller } from '../devices/worker/devicePoller';
import { DeviceServices } from '../core/adb/deviceServices';
import { HostMessage, PROTOCOL_VERSION, WorkerData, WorkerMessage } from './protocol';
import { WorkerCapabilities, WorkerCapability } from './workerCapabilities';

/** Sees every message from the host before the poller does; returns true when it handled it. */
export type ExtraMessageHandler = (message: unknown) => boolean;

export interface RunWorkerOptions {
  /** Capabilities' worker parts, registered at start. */
  capabilities?: readonly WorkerCapability[];
  /** Tests only. */
  extraHandler?: ExtraMessageHandler;
}

export function runWorker({ capabilities = [], extraHandler }: RunWorkerOptions = {}): void {
  if (!parentPort) {
    throw new Error('the device poller runs only as a worker thread');
  }
  const port = parentPort;
  const { config, startPaused = false, background = false } = workerData as WorkerData;

  const post = (message: WorkerMessage, transfer?: ArrayBuffer[]): void => port.postMessage(message, transfer);

  const poller = new DevicePoller(config, {
    snapshot: (snapshot, changes) => post({ type: 'snapshot', snapshot, changes }),
    log: (level, message) => post({ type: 'log', level, message }),
  });
  // Device services (requests and streams) end before the worker says paused or stopped.
  const services = new DeviceServices(config);
  const deviceJobs = new DeviceJobs(services, post);
  const workerCapabilities = new WorkerCapabilities(capabilities, services, post);

  const onMessage = (message: HostMessage): void => {
    if (extraHandler?.(message)) {
      return;
    }
    switch (message.type) {
      case 'ping':
        post({ type: 'pong', id: message.id });
        break;
      case 'pause':
        // Capabilities first, so they can end their own work in their words; the services' endAll closes what is left.
        workerCapabilities.endAll('paused');
        deviceJobs.endAll('paused');
        poller.pause();
        post({ type: 'paused' });
        break;
      case 'resume':
        services.accept();
        workerCapabilities.accept();
        poller.resume();
        post({ type: 'resumed' });
        break;
      case 'refresh':
        poller.refresh();
        break;
      case 'focus':
        poller.setFocused(message.focused);
        break;
      case 'adb-command':
        void poller.runCommand(message.command).then((result) => post({ type: 'adb-command-result', id: message.id, ...result }));
        break;
      case 'device-request':
      case 'device-stream-open':
      case 'device-stream-ack':
      case 'device-cancel':
      case 'device-stream-write':
      case 'device-stream-end-input':
        deviceJobs.handle(message);
        break;
      case 'capability':
        workerCapabilities.handle(message);
        break;
      case 'stop':
        // Graceful: close every socket and timer, say so, and let the thread end on its own.
        workerCapabilities.endAll('stopped');
        deviceJobs.endAll('stopped');
        poller.stop();
        post({ type: 'stopped' });
        port.off('message', onMessage);
        port.unref();
        break;
      default: {
        const unknown: never = message;
        post({ type: 'log', level: 'warn', message: `unknown message from host: ${JSON.stringify(unknown)}` });
      }
    }
  };

  port.on('message', onMessage);
  post({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
  if (background) {
    poller.setFocused(false);
  }
  if (startPaused) {
    services.endAll('paused'); // nothing runs until a resume
    workerCapabilities.endAll('paused');
  } else {
    poller.start();
  }
}
