// Emulators around the happy path, as a user meets them in the real workbench: one that exits at
// once (as without hardware acceleration), one that does not boot in time, the settings that pick
// the emulator and add arguments, and an AVD created while the picker is open.

import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { installSimulatedEmulator, writeAvd } from '../../../lab/sim/avds';
import { SIMULATOR_MODE_FILE } from '../../../lab/sim/emulator';
import { PICKER_ROWS, runCommand, STATUS_ITEM, statusText, waitForStatus } from '../../../lab/vscode/workbenchDriver';
import { screenshotOnFailure } from '../../support/screenshotOnFailure';
import { uiTestContext } from '../runner/runSuite';
import { PLAIN_EDITOR, RESTORED_SETTINGS, writeSettings } from './settingsEditor';

describe('emulators off the happy path, in the real workbench', function () {
  this.timeout(60_000);
  const modeFile = () => path.join(uiTestContext().sdk.avdHome, 'Tablet_API_30.avd', SIMULATOR_MODE_FILE);
  screenshotOnFailure(() => uiTestContext().workbench);
  after(async () => {
    await fs.rm(modeFile(), { force: true });
  });

  /** Starts Tablet_API_30 from the palette's quick pick, as a user would. */
  async function startTablet(): Promise<void> {
    const page = uiTestContext().workbench;
    await runCommand(page, 'Android Devices: Start an Emulator');
    const row = page.locator(PICKER_ROWS, { hasText: 'Tablet API 30' });
    await row.waitFor({ state: 'visible' });
    assert.match(await row.innerText(), /API 30 · arm64-v8a/);
    await row.click();
  }

  it('says it exited before it booted, with its exit code and last output, and opens the output', async () => {
    const page = uiTestContext().workbench;
    await fs.writeFile(modeFile(), 'fail');
    await startTablet();
    const toast = page.locator('.notifications-toasts', { hasText: 'Tablet_API_30 exited (1) before it booted' });
    await toast.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await toast.innerText(), /requires hardware acceleration/);
    await toast.getByRole('button', { name: 'Show Emulator Output' }).click();
    await page.locator('.editor-instance .view-lines', { hasText: 'requires hardware acceleration' }).waitFor({ state: 'visible', timeout: 10_000 });
    await page.keyboard.press('Control+W');
  });

  it('runs the emulator the emulatorPath setting names, with emulatorArgs, and says when it has not booted in time', async () => {
    const page = uiTestContext().workbench;
    const { sdk } = uiTestContext();
    const chosen = await installSimulatedEmulator(path.join(sdk.root, 'chosen-sdk'));
    const runsBefore = (await sdk.emulatorRuns()).length;
    // The device name, without what the status bar adds: `(+2)`, `(offline)`.
    const selectedBefore = (await statusText(page)).replace(/(\s*\([^)]*\))+$/, '').trim();
    await fs.writeFile(modeFile(), 'never-boots');
    await writeSettings(
      page,
      `{ ${PLAIN_EDITOR}, "androidDeviceWatcher.emulatorPath": ${JSON.stringify(chosen)}, "androidDeviceWatcher.emulatorArgs": ["-no-audio", "-gpu", "swiftshader_indirect"], "androidDeviceWatcher.emulatorBootTimeoutSeconds": 10 }`,
      'remote',
    );
    let launched: number | undefined;
    try {
      await startTablet();
      const toast = page.locator('.notifications-toasts', { hasText: 'Tablet_API_30 has not finished booting after 10 seconds' });
      await toast.waitFor({ state: 'visible', timeout: 30_000 });
      assert.ok(await toast.getByRole('button', { name: 'Show Emulator Output' }).isVisible());
      const runs = (await sdk.emulatorRuns()).slice(runsBefore);
      assert.equal(runs.length, 1, JSON.stringify(runs));
      launched = runs[0].pid;
      assert.equal(runs[0].program, chosen);
      assert.deepEqual(runs[0].args.slice(0, 2), ['-avd', 'Tablet_API_30']);
      assert.deepEqual(runs[0].args.slice(4), ['-no-audio', '-gpu', 'swiftshader_indirect']);
      // Until then the status bar said it was booting: it is selected, and still not ready.
      assert.match(await page.locator(STATUS_ITEM).innerText(), /booting/);
    } finally {
      if (launched !== undefined) {
        process.kill(launched, 'SIGTERM');
        await waitForStatus(page, /disconnected/, 15_000);
      }
      await writeSettings(page, RESTORED_SETTINGS, 'remote');
      // Leave the workbench as the next tests expect it: no toasts, the device selected before.
      await runCommand(page, 'Notifications: Clear All Notifications');
      await page.locator(STATUS_ITEM).click();
      await page.locator('.quick-input-widget input').fill(selectedBefore);
      const before = page.locator(PICKER_ROWS, { hasText: selectedBefore }).first();
      // Gone meanwhile (an earlier test unplugged it): then nothing to give back.
      if (await before.waitFor({ state: 'visible', timeout: 3000 }).then(() => true, () => false)) await before.click();
      else await page.keyboard.press('Escape');
    }
  });

  it('lists an AVD created while the picker is open, and drops it when it is deleted', async () => {
    const page = uiTestContext().workbench;
    const { avdHome } = uiTestContext().sdk;
    await page.locator(STATUS_ITEM).click();
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('Foldable');
    await writeAvd(avdHome, { name: 'Foldable_API_35', displayName: 'Foldable API 35', apiLevel: 35 });
    const row = page.locator(PICKER_ROWS, { hasText: 'Foldable API 35' });
    try {
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      assert.match(await row.innerText(), /API 35 · x86_64/);
    } finally {
      await fs.rm(path.join(avdHome, 'Foldable_API_35.ini'), { force: true });
      await fs.rm(path.join(avdHome, 'Foldable_API_35.avd'), { recursive: true, force: true });
    }
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    await page.keyboard.press('Escape');
  });
});
