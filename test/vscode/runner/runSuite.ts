// Runs the extension's tests in a real VS Code: code-server's web workbench in headless Chromium.
//  1. the in-host mocha suite (out/test/vscode/suite/index.js) inside the real extension host, with its
//     console forwarded here and its result taken from the workbench's automation hooks;
//  2. "UI" mocha tests (out/test/vscode/ui/*.test.js) that run in this process and drive the same
//     workbench like a user, through the page that uiTestContext() hands them.
// Expects `npm run build` and `npx tsc -p .` to have run; installs code-server on first use.
import * as fs from 'fs/promises';
import Mocha from 'mocha';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import * as util from 'util';
import { PrivateAdbServer } from '../../../lab/adbServerProcess';
import { extensionDevelopmentPayload, launchChromium, loadWorkbench, newBrowserPage, openWorkbench, type OpenWorkbenchOptions } from '../../../lab/vscode/browser';
import { projectRoot, startCodeServer, type CodeServer } from '../../../lab/vscode/codeServer';
import { installCodeServer } from '../../../lab/vscode/installCodeServer';
import { createSimulatedSdk, SAMPLE_AVDS, SimulatedSdk } from '../../../lab/sim/avds';
import { stopAll } from '../../support/started';

const root = projectRoot();
const inHostSuiteIndex = path.join(root, 'out', 'test', 'vscode', 'suite', 'index.js');
const uiTestsDir = path.join(root, 'out', 'test', 'vscode', 'ui');
const resultsDir = path.join(root, 'test-results');
// A bound that ends a stuck run, not a latency check: the suites take ~2.5 min on this machine kind,
// longer when it is shared.
const overallTimeoutMs = Number(process.env.ADW_VSCODE_TEST_TIMEOUT_MS) || 600_000;
// Forwards code-server's log (and, in lab/vscode/browser.ts, the browser console) for when the workbench itself misbehaves.
const verbose = process.env.ADW_VSCODE_TEST_VERBOSE === '1';

interface TestCounts {
  passed: number;
  failed: number;
}

// ---------------------------------------------------------------------------------------------
// Outer UI tests

export interface UiTestContext {
  readonly server: CodeServer;
  /** The private adb server the extension under test watches. */
  readonly adb: PrivateAdbServer;
  readonly browser: Browser;
  /** A workbench with the extension loaded, shared by all UI tests. */
  readonly workbench: Page;
  /** Another workbench, e.g. with a different folder; closed by the runner at the end. */
  openWorkbench(options?: OpenWorkbenchOptions): Promise<Page>;
  /** code-server's entry script, for a test that needs a server of its own (another HOME, say). */
  readonly codeServerEntry: string;
  /** The simulated SDK and AVD home the extension under test sees. */
  readonly sdk: SimulatedSdk;
}

let activeUiTestContext: UiTestContext | undefined;

/** For `out/test/vscode/ui/*.test.js`: the live workbench, while runSuite runs them. */
export function uiTestContext(): UiTestContext {
  if (activeUiTestContext === undefined) {
    throw new Error('UI tests run only under test/vscode/runner/runSuite (npm run test:vscode)');
  }
  return activeUiTestContext;
}

async function listTests(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).filter((name) => name.endsWith('.test.js')).sort().map((name) => path.join(dir, name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }
}

async function runUiTests(browser: Browser, server: CodeServer, adb: PrivateAdbServer, sdk: SimulatedSdk, codeServerEntry: string, deadline: Deadline): Promise<TestCounts> {
  // ADW_VSCODE_UI_FILES=pairing,emulator runs only the UI test files whose names hold one of these (while working on them).
  const only = process.env.ADW_VSCODE_UI_FILES?.split(',').filter(Boolean);
  const testFiles = (await listTests(uiTestsDir)).filter((file) => !only || only.some((part) => path.basename(file).includes(part)));
  if (testFiles.length === 0) {
    console.log('UI tests: none found');
    return { passed: 0, failed: 0 };
  }
  console.log(`\nUI tests (${testFiles.length} files, driving the workbench from outside)`);
  // Created before loading, so that a workbench that fails to load still gets its screenshot.
  const workbench = await newBrowserPage(browser);
  const extraPages: Page[] = [];
  let counts: TestCounts = { passed: 0, failed: 1 };
  try {
    await deadline.race(loadWorkbench(workbench, server, {}), 'the workbench for UI tests to load');
    activeUiTestContext = {
      server,
      adb,
      browser,
      workbench,
      codeServerEntry,
      sdk,
      async openWorkbench(options) {
        const page = await openWorkbench(browser, server, options);
        extraPages.push(page);
        return page;
      },
    };
    const mocha = uiTestMocha(testFiles, workbench);
    const stats = await deadline.race(
      new Promise<Mocha.Stats | undefined>((resolve) => {
        const runner = mocha.run(() => resolve(runner.stats));
      }),
      'the UI tests',
    );
    counts = { passed: stats?.passes ?? 0, failed: stats?.failures ?? 1 };
    console.log(`ui: ${counts.passed} passed, ${counts.failed} failed`);
    return counts;
  } finally {
    activeUiTestContext = undefined;
    await saveScreenshot(workbench, counts.failed === 0 ? 'vscode-ui' : 'vscode-ui-failed');
    for (const page of [workbench, ...extraPages]) {
      await page.context().close();
    }
  }
}

function uiTestMocha(testFiles: readonly string[], workbench: Page): Mocha {
  const mocha = new Mocha({ ui: 'bdd', timeout: 20_000, color: false });
  // Whatever a suite started and did not stop (its `before` failed midway): stopped at the end.
  mocha.suite.afterAll('stop what the tests started', stopAll);
  // Each failing UI test leaves a screenshot of the workbench as it was.
  mocha.suite.afterEach(async function screenshotOnFailure(this: Mocha.Context) {
    if (this.currentTest?.state === 'failed') {
      await saveScreenshot(workbench, `vscode-ui-failed-${this.currentTest.fullTitle()}`);
    }
  });
  for (const file of testFiles) {
    mocha.addFile(file);
  }
  return mocha;
}

// ---------------------------------------------------------------------------------------------
// The in-host suite

// The closing line that suite/index.ts prints.
const SUITE_SUMMARY = /^(\d+) passed, (\d+) failed$/;

async function runInHostSuite(browser: Browser, server: CodeServer, deadline: Deadline): Promise<TestCounts> {
  console.log('In-host suite (mocha inside the real extension host)');
  const counts: TestCounts = { passed: 0, failed: 0 };
  let suiteEnded = false;
  let reportExit: (code: number) => void = () => undefined;
  const suiteExit = new Promise<number>((resolve) => (reportExit = resolve)).finally(() => (suiteEnded = true));
  // The workbench's automation hooks, as VS Code's own browser integration tests use them.
  const exposeAutomationHooks = async (page: Page): Promise<void> => {
    // Carries the extension host's console (printf-style arguments) and the workbench's own log.
    await page.exposeFunction('codeAutomationLog', (_level: string, args: unknown) => {
      if (suiteEnded) {
        return; // the workbench's complaints while we close it are not the suite's output
      }
      const line = Array.isArray(args) ? util.format(...args) : util.format(args);
      process.stdout.write(`${line}\n`);
      const summary = SUITE_SUMMARY.exec(line);
      if (summary) {
        counts.passed = Number(summary[1]);
        counts.failed = Number(summary[2]);
      }
    });
    // 0 when the suite's run() resolved, 1 when it rejected.
    await page.exposeFunction('codeAutomationExit', (code: number) => reportExit(code));
    page.on('crash', () => reportExit(1));
  };
  const payload = extensionDevelopmentPayload(server, [['extensionTestsPath', server.remoteUri(inHostSuiteIndex)]]);
  // Created before loading, so that a workbench that fails to load still gets its screenshot.
  const page = await newBrowserPage(browser);
  let exitCode = 1;
  try {
    await deadline.race(loadWorkbench(page, server, { payload, beforeNavigate: exposeAutomationHooks }), 'the workbench for the in-host suite to load');
    exitCode = await deadline.race(suiteExit, 'the in-host suite');
    // A suite that failed before it could count (load error, crash) still counts as a failure.
    return exitCode === 0 ? counts : { passed: counts.passed, failed: Math.max(counts.failed, 1) };
  } finally {
    await saveScreenshot(page, exitCode === 0 ? 'vscode-suite' : 'vscode-suite-failed');
    await page.context().close();
  }
}

// ---------------------------------------------------------------------------------------------

/** One overall time budget: every long wait races against it, so a hang ends in cleanup, not a stuck CI job. */
class Deadline {
  private readonly expired: Promise<never>;
  private timer: NodeJS.Timeout | undefined;
  constructor(readonly ms: number) {
    this.expired = new Promise<never>((_, reject) => {
      this.timer = setTimeout(() => reject(new DeadlineExceeded(ms)), ms);
    });
    this.expired.catch(() => undefined); // rejections are observed through race()
  }
  race<T>(work: Promise<T>, what: string): Promise<T> {
    return Promise.race([
      work,
      this.expired.catch((error: unknown) => {
        throw error instanceof DeadlineExceeded ? new DeadlineExceeded(this.ms, what) : error;
      }),
    ]);
  }
  dispose(): void {
    clearTimeout(this.timer);
  }
}

class DeadlineExceeded extends Error {
  constructor(ms: number, during?: string) {
    super(`timed out: the VS Code tests did not finish within ${ms / 1000} s${during ? ` (still waiting for ${during})` : ''}; set ADW_VSCODE_TEST_TIMEOUT_MS to change the limit`);
  }
}

async function saveScreenshot(page: Page, name: string): Promise<void> {
  const file = path.join(resultsDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  try {
    await fs.mkdir(resultsDir, { recursive: true });
    await page.screenshot({ path: file, timeout: 10_000 });
    console.log(`screenshot: ${path.relative(root, file)}`);
  } catch (error) {
    console.error(`no screenshot ${path.relative(root, file)}: ${error instanceof Error ? error.message : error}`);
  }
}

/** Screenshots of an earlier run would pass for this run's: remove ours (other tools share the folder). */
async function removeOldScreenshots(): Promise<void> {
  const names = await fs.readdir(resultsDir).catch(() => []);
  await Promise.all(names.filter((name) => /^vscode-.*\.png$/.test(name)).map((name) => fs.rm(path.join(resultsDir, name), { force: true })));
}

export async function runSuite(): Promise<number> {
  const started = Date.now();
  await removeOldScreenshots();
  // Outside the deadline: a cold install compiles native modules and takes a minute or more.
  const install = await installCodeServer();
  const deadline = new Deadline(overallTimeoutMs);
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let adb: PrivateAdbServer | undefined;
  let sdk: SimulatedSdk | undefined;
  try {
    // An SDK whose `emulator` is the simulator, and two AVDs, found through the variables a user has.
    sdk = await createSimulatedSdk(SAMPLE_AVDS);
    // The extension watches a private adb server of the run's own, found through the variable
    // adb itself honours; the tests attach simulated devices to it.
    adb = await deadline.race(PrivateAdbServer.start(), 'the private adb server to start');
    server = await deadline.race(
      startCodeServer({
        entryScript: install.entryScript,
        folder: root,
        // Reaches the extension host; smoke.test.ts checks it arrives.
        env: { ADW_VSCODE_TEST_RUNNER: 'code-server', ANDROID_ADB_SERVER_PORT: String(adb.port), ...sdk.env },
        onOutput: verbose ? (chunk) => process.stderr.write(chunk) : undefined,
      }),
      'code-server to start',
    );
    console.log(`code-server ${install.version} on ${server.origin} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    browser = await deadline.race(launchChromium(), 'Chromium to start');
    const inHost = await runInHostSuite(browser, server, deadline);
    const ui = await runUiTests(browser, server, adb, sdk, install.entryScript, deadline);
    const total = { passed: inHost.passed + ui.passed, failed: inHost.failed + ui.failed };
    console.log(`\nVS Code tests ${total.failed === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(`vscode: ${total.passed} passed, ${total.failed} failed`);
    return total.failed === 0 ? 0 : 1;
  } catch (error) {
    console.error(error instanceof Error ? (error instanceof DeadlineExceeded ? error.message : error.stack) : error);
    return 1;
  } finally {
    deadline.dispose();
    await browser?.close().catch(() => undefined);
    await server?.stop();
    await sdk?.dispose();
    await adb?.stop();
  }
}

if (require.main === module) {
  runSuite().then(
    // process.exit, not exitCode: nothing left over (a stuck UI test, say) may keep the run alive.
    (exitCode) => process.exit(exitCode),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
