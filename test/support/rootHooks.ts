// Mocha root hooks (.mocharc.json `require`): after the whole run, stop every process and server a
// test started and did not stop (its fixture's `after` failed, or it was never reached).

import { stopAll } from './started';

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopAll();
  },
};
