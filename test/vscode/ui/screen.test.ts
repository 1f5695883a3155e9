// The screen as a user meets it in the real workbench: the camera button on a device's row in the
// picker saves a screenshot and shows it in VS Code's image preview (timed: the figure goes to
// test-results/vscode-figures.txt). The device's files are tested through VS Code's file API in
// the extension host (suite/files.test.ts): adding a folder here turns the window into a
// workspace, which in this runner reloads some runs into the server's default folder.

import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Page } from 'playwright-core';
import { PICKER_ROWS, RESULTS, STATUS_ITEM, waitForStatus } from '../../../lab/vscode/workbenchDriver';
import { useLab } from '../../support/labFixture';
import { screenshotOnFailure } from '../../support/screenshotOnFailure';
import { uiTestContext } from '../runner/runSuite';

describe('the screen, driven like a user', function () {
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
    // A workbench of its own, on a folder of its own (its screenshots/ folder is the default).
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
});
