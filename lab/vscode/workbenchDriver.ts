/// <reference lib="dom" />
// Drives the real workbench like a user, for the outer UI tests and the demo check: the status-bar
// item, the quick pick's rows, the command palette.

import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { projectRoot } from './codeServer';

export const STATUS_ITEM = '[id$="androidDeviceWatcher.status"]';
export const PICKER_ROWS = '.quick-input-widget .monaco-list-row';
export const RESULTS = path.join(projectRoot(), 'test-results');

export async function statusText(page: Page): Promise<string> {
  return (await page.locator(STATUS_ITEM).innerText()).trim();
}

/** Waits in the page itself (on every animation frame) until the status item's text matches. */
export async function waitForStatus(page: Page, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  await page.waitForFunction(
    ({ selector, source, flags }) => new RegExp(source, flags).test((document.querySelector(selector) as HTMLElement | null)?.innerText ?? ''),
    { selector: STATUS_ITEM, source: pattern.source, flags: pattern.flags },
    { timeout: timeoutMs, polling: 'raf' },
  );
  return statusText(page);
}

export async function pickerRows(page: Page): Promise<string[]> {
  return page.locator(PICKER_ROWS).evaluateAll((rows) => rows.map((row) => (row as HTMLElement).innerText.replace(/\s+/g, ' ').trim()));
}

export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  try {
    await input.waitFor({ state: 'visible', timeout: 5000 });
  } catch {
    // F1 went to a webview that just closed (its frame kept the keyboard): a click on the editor
    // area gives the workbench the keyboard back, as a person would click before typing.
    await page.locator('.part.editor').first().click();
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible' });
  }
  await input.fill(`>${title}`);
  await page.locator(PICKER_ROWS, { hasText: title }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
}


/** The pairing panel's QR code image, in the panel's own page (see pairingHtml.ts for the other ids). */
export const PAIRING_QR_IMAGE = '#qr img';

/**
 * The frame holding an extension webview's own page, found by the viewType the page names on its
 * body (`data-view-type`; VS Code writes the viewType nowhere in the DOM). Each webview is an outer
 * iframe (VS Code's host page) around an inner `#active-frame` with the extension's page; a page
 * being replaced sits in a `#pending-frame` meanwhile, and is skipped.
 */
export async function webviewFrame(page: Page, viewType: string, timeoutMs = 10_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  const isTheWebview = async (frame: Frame): Promise<boolean> => {
    const element = await frame.frameElement().catch(() => undefined);
    if ((await element?.getAttribute('id').catch(() => null)) !== 'active-frame') return false;
    return frame.evaluate((wanted) => document.body?.dataset.viewType === wanted, viewType).catch(() => false);
  };
  while (true) {
    for (const frame of page.frames()) {
      if (await isTheWebview(frame)) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no webview of viewType ${viewType} within ${timeoutMs} ms`);
    // The page is written into the inner frame without a navigation, so no event says it is there.
    await page.waitForTimeout(100);
  }
}

/** A PNG of the pairing panel's QR code as drawn on screen, once its image has loaded. */
export async function screenshotPairingQr(frame: Frame, timeoutMs = 10_000): Promise<Buffer> {
  await frame.waitForFunction(
    (selector) => {
      const image = document.querySelector(selector) as HTMLImageElement | null;
      return image !== null && image.complete && image.naturalWidth > 0 && image.checkVisibility();
    },
    PAIRING_QR_IMAGE,
    { timeout: timeoutMs, polling: 'raf' },
  );
  return frame.locator(PAIRING_QR_IMAGE).screenshot();
}
