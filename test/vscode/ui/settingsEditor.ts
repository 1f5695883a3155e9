// Settings edited like a user: the settings JSON editor of the real workbench, select all, type,
// save, close; and a wait until the file on disk holds what was typed.

import { promises as fs, watch } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { runCommand } from '../../../lab/vscode/workbenchDriver';
import { uiTestContext } from '../runner/runSuite';

/** Typed into the settings editor along with each change: its bracket auto-closing would add a `}`. */
export const PLAIN_EDITOR = '"editor.autoClosingBrackets": "never", "editor.autoClosingQuotes": "never", "editor.autoSurround": "never"';
/** Written back after a test changed a setting. */
export const RESTORED_SETTINGS = `{ ${PLAIN_EDITOR} }`;

/** Resolves once `file` holds `expected` (checked on every change in its folder), or rejects. */
function fileBecomes(file: string, expected: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const finish = (error?: Error) => {
      clearTimeout(timer);
      watcher.close();
      if (error) reject(error);
      else resolve();
    };
    const check = () =>
      void fs.readFile(file, 'utf8').then(
        (text) => text.trim() === expected.trim() && finish(),
        () => undefined,
      );
    const timer = setTimeout(
      () =>
        void fs.readFile(file, 'utf8').then(
          (text) => finish(new Error(`${file} did not become ${expected} within ${timeoutMs} ms; it holds ${JSON.stringify(text)}`)),
          (error: Error) => finish(error),
        ),
      timeoutMs,
    );
    const watcher = watch(path.dirname(file), check);
    check();
  });
}

/**
 * Edits settings like a user: the JSON editor, select all, type, save, close. Machine-scoped
 * settings (adbPath, adbServers, startAdbServer) count only in the remote machine's settings when
 * the extension runs on the server side, as it does in code-server.
 */
export async function writeSettings(page: Page, json: string, where: 'user' | 'remote' = 'user'): Promise<void> {
  const file = path.join(uiTestContext().server.userDataDir, where === 'user' ? 'User' : 'Machine', 'settings.json');
  await fs.mkdir(path.dirname(file), { recursive: true });
  await runCommand(page, where === 'user' ? 'Preferences: Open User Settings (JSON)' : 'Preferences: Open Remote Settings (JSON)');
  // The editor takes keys only once its text is on screen.
  await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: '{' }).first().waitFor({ state: 'visible' });
  await page.locator('.editor-instance .monaco-editor textarea').first().focus();
  // Empty the editor first, and see that it is empty: a select-all that lands before the editor
  // has focus leaves text behind.
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  await page.waitForFunction(
    () => ((document.querySelector('.editor-instance .monaco-editor .view-lines') as HTMLElement | null)?.innerText ?? 'x').trim() === '',
    undefined,
    { timeout: 5000, polling: 'raf' },
  );
  // One input event: the editor's bracket and quote auto-closing does not apply to it.
  await page.keyboard.insertText(json);
  await page.keyboard.press('Control+S');
  await fileBecomes(file, json, 10_000);
  await page.keyboard.press('Control+W');
}
