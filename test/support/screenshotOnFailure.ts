// For the outer UI tests that drive a workbench page of their own: a failing test leaves a
// screenshot of that page as it was (the runner already does so for the shared workbench).

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { RESULTS } from '../../lab/vscode/workbenchDriver';

export function screenshotOnFailure(page: () => Page | undefined): void {
  afterEach('screenshot of a failed test', async function () {
    const shown = page();
    if (this.currentTest?.state !== 'failed' || !shown || shown.isClosed()) return;
    await fs.mkdir(RESULTS, { recursive: true });
    await shown.screenshot({ path: path.join(RESULTS, `ui-failed-${this.currentTest.title.replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
  });
}
