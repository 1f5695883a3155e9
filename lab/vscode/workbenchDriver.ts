/// <reference lib="dom" />
// Drives the real workbench like a user, for the outer UI tests and the demo check: the status-bar
// item, the quick pick's rows, the command palette.

import * as path from 'node:path';
import type { Page } from 'playwright-core';
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
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator(PICKER_ROWS, { hasText: title }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
}

