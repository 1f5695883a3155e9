// Outer UI test: runs in the runner's Node process (not in VS Code) and drives the workbench page.
import * as assert from 'assert';
import { uiTestContext } from '../runner/runSuite';

describe('workbench (driven from outside)', () => {
  it('shows the status bar', async () => {
    const { workbench } = uiTestContext();
    assert.strictEqual(await workbench.locator('.statusbar').isVisible(), true);
  });
});
