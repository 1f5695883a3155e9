// The shipped worker entry (bundled to dist/worker.js): the poller's worker with the capabilities'
// worker parts (none yet; a capability adds its part to this list).

import { runWorker } from './worker';
import { WorkerCapability } from './workerCapabilities';

const capabilities: WorkerCapability[] = [];

runWorker({ capabilities });
