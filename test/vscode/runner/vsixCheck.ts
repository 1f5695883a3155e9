// Install check of the packaged extension: code-server installs the built .vsix the way a user
// would (--install-extension, no extensionDevelopmentPath), the workbench opens in headless
// Chromium, and the extension must activate from what the .vsix holds and show its status-bar item.
// Catches what the dev-path tests cannot: a .vscodeignore that leaves out dist/worker.js or the
// l10n files, a bundle that needs node_modules, a manifest vsce accepts but VS Code rejects.
// Usage: npm run test:vsix   (or: node out/test/vscode/runner/vsixCheck.js [FILE.vsix])
import { existsSync, rmSync } from 'fs';
import * as fs from 'fs/promises';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { cleanupOnExit, projectRoot, startCodeServer, type CodeServer } from './codeServer';
import { installCodeServer } from './installCodeServer';
import { launchChromium, openWorkbench } from './runSuite';

const root = projectRoot();
const resultsDir = path.join(root, 'test-results');
const screenshotFile = path.join(resultsDir, 'vsix-installed.png');
// The item's DOM id is `<publisher>.<name>.<item id>` (the extension id in front of the id given to
// createStatusBarItem); matching the item id alone keeps the check independent of the publisher.
const STATUS_ITEM_SELECTOR = '[id*="androidDeviceWatcher.status"]';
const activationTimeoutMs = Number(process.env.ADW_VSCODE_TEST_TIMEOUT_MS) || 60_000;
const verbose = process.env.ADW_VSCODE_TEST_VERBOSE === '1';

interface Manifest {
  publisher: string;
  name: string;
  version: string;
}

async function readManifest(): Promise<Manifest> {
  return JSON.parse(await fs.readFile(path.join(root, 'package.json'), 'utf8')) as Manifest;
}

async function saveScreenshot(page: Page): Promise<void> {
  try {
    await fs.mkdir(resultsDir, { recursive: true });
    await page.screenshot({ path: screenshotFile, timeout: 10_000 });
    console.log(`screenshot: ${path.relative(root, screenshotFile)}`);
  } catch (error) {
    console.error(`no screenshot: ${error instanceof Error ? error.message : error}`);
  }
}

export async function vsixCheck(vsix: string): Promise<number> {
  const started = Date.now();
  if (!existsSync(vsix)) {
    console.error(`vsix check FAILED: ${path.relative(root, vsix)} does not exist (run \`npm run package\` first)`);
    return 1;
  }
  // A stale screenshot would pass for this run's.
  await fs.rm(screenshotFile, { force: true });
  const manifest = await readManifest();
  const extensionId = `${manifest.publisher}.${manifest.name}`;
  const install = await installCodeServer();
  // An empty workspace: nothing of this repo may be what the extension runs from.
  const workspace = await fs.mkdtemp(path.join(os.tmpdir(), 'adw-vsix-workspace-'));
  const unregisterWorkspace = cleanupOnExit(() => rmSync(workspace, { recursive: true, force: true }));
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  try {
    server = await startCodeServer({
      entryScript: install.entryScript,
      folder: workspace,
      installExtensionVsix: vsix,
      onOutput: verbose ? (chunk) => process.stderr.write(chunk) : undefined,
    });
    // Installed, not loaded from a development path: the extensions dir must hold it, at this version.
    const installedDir = `${extensionId}-${manifest.version}`;
    const installed = await fs.readdir(server.extensionsDir);
    if (!installed.includes(installedDir)) {
      throw new Error(`code-server did not install ${installedDir} from the .vsix (extensions dir holds: ${installed.join(', ') || 'nothing'})`);
    }
    console.log(`code-server ${install.version} on ${server.origin} with ${installedDir} installed from ${path.relative(root, vsix)}`);

    browser = await launchChromium();
    // An explicit payload: the default one would load this repo as the extension under development.
    page = await openWorkbench(browser, server, { payload: [['skipWelcome', 'true']] });
    const item = page.locator(STATUS_ITEM_SELECTOR).first();
    try {
      await item.waitFor({ state: 'visible', timeout: activationTimeoutMs });
    } catch {
      const ids = await page.locator('.statusbar-item[id]').evaluateAll((elements) => elements.map((element) => element.id));
      throw new Error(
        `no visible status-bar item ${STATUS_ITEM_SELECTOR} within ${activationTimeoutMs / 1000} s of the workbench opening; ` +
          `the status bar has: ${ids.join(', ') || 'no items'}`,
      );
    }
    const id = await item.getAttribute('id');
    const text = (await item.innerText()).trim();
    await saveScreenshot(page);
    console.log(`vsix check passed in ${((Date.now() - started) / 1000).toFixed(1)} s: status-bar item #${id} shows "${text}"`);
    return 0;
  } catch (error) {
    if (page !== undefined) await saveScreenshot(page);
    console.error(`vsix check FAILED: ${error instanceof Error ? error.message : error}`);
    return 1;
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    rmSync(workspace, { recursive: true, force: true });
    unregisterWorkspace();
  }
}

if (require.main === module) {
  const vsix = path.resolve(process.argv[2] ?? path.join(root, 'android-device-watcher.vsix'));
  vsixCheck(vsix).then(
    // process.exit, not exitCode: a stuck page or server handle must not keep the check alive.
    (exitCode) => process.exit(exitCode),
    (error: unknown) => {
      console.error(`vsix check FAILED: ${error instanceof Error ? error.stack : error}`);
      process.exit(1);
    },
  );
}
