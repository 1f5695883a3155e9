// The screen and the files as a user meets them in the real workbench: the camera button on a
// device's row in the picker saves a screenshot and shows it in VS Code's image preview (timed:
// the figure goes to test-results/vscode-figures.txt); Open Device Storage from the palette puts
// the device's storage in the Explorer, where its folders open.

import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Page } from 'playwright-core';
import { PICKER_ROWS, RESULTS, runCommand, STATUS_ITEM, waitForStatus } from '../../../lab/vscode/workbenchDriver';
import { useLab } from '../../support/labFixture';
import { screenshotOnFailure } from '../../support/screenshotOnFailure';
import { uiTestContext } from '../runner/runSuite';

describe('the screen and the files, driven like a user', function () {
  this.timeout(90_000);
  const fixture = useLab({ server: () => uiTestContext().adb });
  const folders: string[] = [];
  let page: Page;
  /** This test's device: the run's adb server lists other tests' devices too (other Pixels among them). */
  let serial: string;
  /** Its serial in a row, not a prefix of another's (127.0.0.1:4123 is not 127.0.0.1:41234). */
  const thisDevice = () => new RegExp(`${serial.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\\d)`);

  before(async function () {
    this.timeout(120_000);
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'adw-ui-screen-'));
    folders.push(folder);
    // A workbench of its own: adding a device's folder turns its window into a multi-root one.
    page = await uiTestContext().openWorkbench({ folder });
    ({ serial } = await fixture.attach({ properties: { 'ro.product.manufacturer': 'Google', 'ro.product.model': 'Pixel 8', 'sim.screen.size': '540x1200' } }));
    await waitForStatus(page, /Pixel 8/, 30_000);
  });
  screenshotOnFailure(() => page);
  after(async () => {
    await page?.close();
    for (const folder of folders) await fs.rm(folder, { recursive: true, force: true });
  });

  it("saves a screenshot from the camera button on the device's row and shows it in the image preview", async () => {
    await page.locator(STATUS_ITEM).click();
    const row = page.locator(PICKER_ROWS, { hasText: thisDevice() }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await row.hover();
    const camera = row.locator('.action-label.codicon-device-camera');
    await camera.waitFor({ state: 'visible', timeout: 5000 });
    const pressed = performance.now();
    await camera.click();
    // The image preview: a tab named like Google_Pixel_8_<date>_<time>.png, its image drawn.
    const tab = page.locator('.tab', { hasText: /Google_Pixel_8_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}(_\d+)?\.png/ });
    await tab.waitFor({ state: 'visible', timeout: 20_000 });
    const preview = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    const image = preview.locator('img');
    await image.waitFor({ state: 'visible', timeout: 20_000 });
    await image.evaluate((element) => (element as HTMLImageElement).decode());
    const shown = performance.now() - pressed;
    const size = await image.evaluate((element) => [(element as HTMLImageElement).naturalWidth, (element as HTMLImageElement).naturalHeight]);
    assert.deepEqual(size, [540, 1200], 'the preview shows the device-sized image');
    await fs.mkdir(RESULTS, { recursive: true });
    await fs.appendFile(path.join(RESULTS, 'vscode-figures.txt'), `screenshot button pressed -> the image shown in the preview: ${shown.toFixed(0)} ms\n`);
  });

  it("puts the device's storage in the Explorer, and its folders open", async () => {
    // Adding a folder to a one-folder window makes it a workspace: the workbench loads it anew,
    // in this page or in a new one.
    // The command opens the selected device's storage: this test's device is picked first, as a user would.
    await page.locator(STATUS_ITEM).click();
    await page.locator(PICKER_ROWS, { hasText: thisDevice() }).first().click();
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    const opened = page.context().waitForEvent('page', { timeout: 45_000 }).catch(() => undefined);
    await runCommand(page, 'Android Devices: Open Device Storage');
    const rootIn = (where: Page) => where.locator('.explorer-folders-view .monaco-list-row', { hasText: 'Google Pixel 8 (/sdcard)' });
    const shown = await Promise.race([
      rootIn(page).waitFor({ state: 'visible', timeout: 45_000 }).then(() => page),
      opened.then(async (other) => {
        if (!other) throw new Error('no workbench showed the device storage');
        await rootIn(other).waitFor({ state: 'visible', timeout: 45_000 });
        return other;
      }),
    ]);
    const entry = (name: string) => shown.locator(`.explorer-folders-view .monaco-list-row[aria-label="${name}"]`);
    await entry('Download').waitFor({ state: 'visible', timeout: 20_000 });
    assert.ok(await entry('DCIM').isVisible(), 'DCIM listed beside Download');
    if (shown !== page) await shown.close();
  });
});
