// A real VS Code in a browser: headless Chromium (Debian's; playwright-core brings none) on a
// code-server workbench, for the VS Code tests and `npm start --check`.

import { rmSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { cleanupOnExit, projectRoot, type CodeServer } from './codeServer';

const root = projectRoot();
// Forwards the browser console too, for when the workbench itself misbehaves.
const verbose = process.env.ADW_VSCODE_TEST_VERBOSE === '1';

const CHROMIUM_ARGS = [
  '--no-sandbox', // runs as root in CI containers
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Debian's chromium (playwright-core brings no browser of its own), headless, with a throw-away HOME. */
export async function launchChromium(): Promise<Browser> {
  // Chromium writes crash-report and dconf state under HOME even with Playwright's temp profile.
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'adw-chromium-home-'));
  const removeHome = (): void => rmSync(home, { recursive: true, force: true });
  let unregisterHome = cleanupOnExit(removeHome);
  try {
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
      env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_CACHE_HOME: path.join(home, '.cache') },
      // exitOnSignals() turns signals into process.exit, and Playwright kills its browser on exit.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    // Again, now after Playwright's own exit handler: the browser dies before its HOME is removed.
    unregisterHome();
    unregisterHome = cleanupOnExit(removeHome);
    browser.once('disconnected', () => {
      removeHome();
      unregisterHome();
    });
    return browser;
  } catch (error) {
    removeHome();
    unregisterHome();
    throw error;
  }
}

export type LaunchArguments = ReadonlyArray<readonly [string, string]>;

/** The workbench's launch arguments that load this repo as the extension under development. */
export function extensionDevelopmentPayload(server: CodeServer, extra: LaunchArguments = []): LaunchArguments {
  return [['extensionDevelopmentPath', server.remoteUri(root)], ['skipWelcome', 'true'], ...extra];
}

export interface OpenWorkbenchOptions {
  folder?: string;
  /** Defaults to extensionDevelopmentPayload(server): the workbench with this extension loaded. */
  payload?: LaunchArguments;
  /** Runs before navigation: the place for page.exposeFunction and listeners. */
  beforeNavigate?: (page: Page) => Promise<void>;
}

/**
 * Opens the workbench in a fresh browser context and resolves once its status bar is visible.
 * For outer (UI) tests that click around; close the page's context when done.
 */
export async function openWorkbench(browser: Browser, server: CodeServer, options: OpenWorkbenchOptions = {}): Promise<Page> {
  const page = await newBrowserPage(browser);
  try {
    await loadWorkbench(page, server, options);
    return page;
  } catch (error) {
    await page.context().close();
    throw error;
  }
}

/** A page in its own browser context (own storage: each workbench starts from the same state). */
export async function newBrowserPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  if (verbose) {
    page.on('console', (message) => process.stderr.write(`[browser ${message.type()}] ${message.text()}\n`));
  }
  return page;
}

export async function loadWorkbench(page: Page, server: CodeServer, options: OpenWorkbenchOptions): Promise<void> {
  await options.beforeNavigate?.(page);
  await page.goto(server.workbenchUrl({ folder: options.folder, payload: options.payload ?? extensionDevelopmentPayload(server) }));
  await page.locator('.statusbar').waitFor({ state: 'visible', timeout: 30_000 });
}
