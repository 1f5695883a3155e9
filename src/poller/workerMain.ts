// The shipped worker entry (bundled to dist/worker.js): the poller's worker, with no extra handler.

import { runWorker } from './worker';

runWorker();
