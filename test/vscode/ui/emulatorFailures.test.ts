// An emulator that cannot start, as a user meets it: picked in the palette's quick pick, it exits at
// once (as without hardware acceleration), and the user is told so with its exit code and its last
// output, with the output log a click away.

import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SIMULATOR_MODE_FILE } from '../../../lab/sim/emulator';
import { PICKER_ROWS, runCommand } from '../../../lab/vscode/workbenchDriver';
import { screenshotOnFailure } from '../../support/screenshotOnFailure';
import { uiTestContext } from '../runner/runSuite';

describe('an emulator that cannot start, in the real workbench', function () {
  this.timeout(40_000);
  const modeFile = () => path.join(uiTestContext().sdk.avdHome, 'Tablet_API_30.avd', SIMULATOR_MODE_FILE);
  screenshotOnFailure(() => uiTestContext().workbench);
  after(async () => {
    await fs.rm(modeFile(), { force: true });
  });

  it('says it exited before it booted, with its exit code and last output, and opens the output', async () => {
    const page = uiTestContext().workbench;
    await fs.writeFile(modeFile(), 'fail');
    await runCommand(page, 'Android Devices: Start an Emulator');
    const row = page.locator(PICKER_ROWS, { hasText: 'Tablet API 30' });
    await row.waitFor({ state: 'visible' });
    assert.match(await row.innerText(), /API 30 · arm64-v8a/);
    await row.click();
    const toast = page.locator('.notifications-toasts', { hasText: 'Tablet_API_30 exited (1) before it booted' });
    await toast.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await toast.innerText(), /requires hardware acceleration/);
    await toast.getByRole('button', { name: 'Show Emulator Output' }).click();
    await page.locator('.editor-instance .view-lines', { hasText: 'requires hardware acceleration' }).waitFor({ state: 'visible', timeout: 10_000 });
    await page.keyboard.press('Control+W');
  });
});
