/// <reference lib="dom" />
// Outer UI tests, driving a real workbench like a user, with hostile input:
//  - a workspace folder whose own .vscode/settings.json points adbPath at a planted "adb" (ignored:
//    machine scope), adds two misbehaving "adb servers" (a silent one and one that cuts replies off:
//    allowed, machine-overridable) and a malformed address and a wrong-typed number (warned about);
//  - a simulated device whose model and properties hold icon syntax, HTML and Markdown: the status
//    bar, the picker rows and the tooltip show them as literal text (no icon, image or link element);
//  - a window reloaded and then closed while those faults go on: nothing of it stays connected.

import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as letTimePass } from 'node:timers/promises';
import type { Locator, Page } from 'playwright-core';
import { waitUntil } from '../../../lab/wait';
import { HostileServer, startHalfReplyServer, startHostileServer } from '../../support/hostileServer';
import { useLab } from '../../support/labFixture';
import { screenshotOnFailure } from '../../support/screenshotOnFailure';
import { StartedHere } from '../../support/started';
import { uiTestContext } from '../runner/runSuite';
import { PICKER_ROWS, RESULTS, runCommand, STATUS_ITEM } from '../../../lab/vscode/workbenchDriver';

const HOVER = '.monaco-hover, .workbench-hover';
const HOSTILE_MODEL = '$(zap) <img src=x onerror=alert(1)> **bold** [link](command:workbench.action.quit)';
const HOSTILE_PIECES = ['$(zap)', '<img src=x onerror=alert(1)>', '**bold**', '[link](command:workbench.action.quit)'];

/** Elements that would mean device text was rendered as markup. */
async function renderedMarkup(scope: Locator): Promise<{ icons: number; images: number; links: number }> {
  return scope.evaluate((root) => ({
    icons: root.querySelectorAll('.codicon-zap').length,
    images: root.querySelectorAll('img').length,
    links: Array.from(root.querySelectorAll('a')).filter((a) => /workbench\.action\.quit|^x$/.test(a.getAttribute('href') ?? a.getAttribute('data-href') ?? '')).length,
  }));
}

function assertLiteral(rendered: string, where: string): void {
  // Tooltips keep device text's spaces as non-breaking ones; notifications break `](` and `$(`
  // with a zero-width space, which reads the same.
  const text = rendered.replace(/\u00a0/g, ' ').replace(/\u200b/g, '');
  for (const piece of HOSTILE_PIECES) {
    assert.ok(text.includes(piece), `${where} does not show ${JSON.stringify(piece)} literally: ${JSON.stringify(text)}`);
  }
}

describe('hostile settings, device data and faults in the real workbench', function () {
  this.timeout(90_000);
  const fixture = useLab({ server: () => uiTestContext().adb });
  const fakes = new StartedHere();
  let silent: HostileServer;
  let half: HostileServer;
  let folder: string;
  let evilAdb: string;
  let marker: string;
  let page: Page | undefined;
  const dialogs: string[] = [];
  const attached: string[] = [];

  before(async () => {
    const { adb, openWorkbench } = uiTestContext();
    [silent, half] = await fakes.startAll(
      // Accepts and answers nothing within any timeout: a wedged server.
      fakes.start('a silent fake adb server', startHostileServer({ delayMs: 10 * 60_000 }), (fake) => fake.close()),
      fakes.start('a half-reply fake adb server', startHalfReplyServer(), (fake) => fake.close()),
    );
    folder = await fs.mkdtemp(path.join(os.tmpdir(), 'adw-hostile-ws-'));
    marker = path.join(folder, 'planted-adb-ran');
    evilAdb = path.join(folder, 'tools', 'adb');
    await fs.mkdir(path.dirname(evilAdb));
    // A planted "adb" that leaves a mark if anything ever runs it.
    await fs.writeFile(evilAdb, `#!/bin/sh\ntouch '${marker}'\necho 'Android Debug Bridge version 9.9.99'\n`, { mode: 0o755 });
    await fs.mkdir(path.join(folder, '.vscode'));
    await fs.writeFile(
      path.join(folder, '.vscode', 'settings.json'),
      JSON.stringify(
        {
          'androidDeviceWatcher.adbPath': evilAdb,
          'androidDeviceWatcher.adbServers': [adb.address, silent.address, half.address, `;touch ${marker}:5037`],
          'androidDeviceWatcher.pollIntervalMs': 'fast',
        },
        null,
        2,
      ),
    );
    page = await openWorkbench({ folder });
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });
  screenshotOnFailure(() => page);
  after(async () => {
    if (page && !page.isClosed()) await page.context().close();
    await fakes.stopAll();
    if (folder) await fs.rm(folder, { recursive: true, force: true });
  });

  it("warns about the workspace's malformed address and wrong-typed number, naming each, and ignores its adbPath", async () => {
    const toast = page!.locator('.notifications-toasts', { hasText: 'androidDeviceWatcher.adbServers' });
    await toast.waitFor({ state: 'visible', timeout: 15_000 });
    const text = await toast.innerText();
    assert.match(text, /androidDeviceWatcher\.adbServers: ";touch .*planted-adb-ran:5037" is not host:port; ignoring it/);
    assert.match(text, /androidDeviceWatcher\.pollIntervalMs: "fast" is not a whole number from 250 to 60000; using 1000/);
    // adbPath is machine-scoped: VS Code drops the workspace's value before the extension sees it.
    assert.doesNotMatch(text, /adbPath/);
  });

  it('shows hostile device text literally in the status bar, the picker and the tooltip', async () => {
    const { serial } = await fixture.attach({
      model: HOSTILE_MODEL,
      properties: { 'ro.product.manufacturer': 'Evil', 'ro.product.model': HOSTILE_MODEL, 'ro.product.cpu.abi': '<b>abi</b>' },
    });
    attached.push(serial);

    // Select it from the picker, as a user would.
    await page!.locator(STATUS_ITEM).click();
    const row = page!.locator(PICKER_ROWS, { hasText: 'Evil' }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    // The row shows the details once getprop was read: wait for the literal model in it.
    await page!.locator(PICKER_ROWS, { hasText: '**bold**' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    const rowText = await row.innerText();
    assertLiteral(rowText, 'the picker row');
    assert.match(rowText, /<b>abi<\/b>/);
    assert.deepEqual(await renderedMarkup(row), { icons: 0, images: 0, links: 0 });
    await fs.mkdir(RESULTS, { recursive: true });
    await page!.screenshot({ path: path.join(RESULTS, 'hostile-picker.png') });
    await row.click();

    const item = page!.locator(STATUS_ITEM);
    await page!.waitForFunction((selector) => (document.querySelector(selector) as HTMLElement | null)?.innerText.includes('**bold**'), STATUS_ITEM, {
      timeout: 10_000,
      polling: 'raf',
    });
    assertLiteral(await item.innerText(), 'the status bar item');
    assert.deepEqual(await renderedMarkup(item), { icons: 0, images: 0, links: 0 });

    await item.hover();
    const hover = page!.locator(HOVER).filter({ hasText: 'Evil' }).first();
    await hover.waitFor({ state: 'visible', timeout: 10_000 });
    // Tooltips keep device text's spaces as non-breaking ones.
    const hoverText = (await hover.innerText()).replace(/\u00a0/g, ' ');
    assertLiteral(hoverText, 'the tooltip');
    assert.deepEqual(await renderedMarkup(hover), { icons: 0, images: 0, links: 0 });
    // The adb the extension uses is the one on PATH, not the workspace's planted one.
    assert.match(hoverText, /adb: \/usr\/bin\/adb \(from PATH\)/);
    assert.doesNotMatch(hoverText, /planted|tools\/adb/);
    // And the misbehaving servers are shown as such, with the reason.
    assert.match(hoverText, new RegExp(`adb ${silent.address.replace(/\./g, '\\.')}: (connecting|unreachable)`));
    await page!.screenshot({ path: path.join(RESULTS, 'hostile-tooltip.png') });
    await page!.mouse.move(0, 0);
    assert.deepEqual(dialogs, [], 'no script ran in the page');
  });

  // VS Code renders `[text](command:...)` in a notification as a link that runs the command, and
  // the disconnect notice quotes the device's name (getprop's ro.product.model, chosen by whoever
  // made the device): it must arrive as inert text.
  it('tells of the hostile device disconnecting in plain text too', async () => {
    const { adb } = uiTestContext();
    const serial = attached[0];
    await adb.disconnect(serial);
    const toast = page!.locator('.notifications-toasts', { hasText: `(${serial}) disconnected` });
    await toast.waitFor({ state: 'visible', timeout: 10_000 });
    await page!.screenshot({ path: path.join(RESULTS, 'hostile-disconnect-notice.png') });
    assertLiteral(await toast.innerText(), 'the disconnect notice');
    assert.deepEqual(await renderedMarkup(toast), { icons: 0, images: 0, links: 0 });
    await adb.connect(Number(serial.split(':')[1]));
  });

  it('never runs the planted adb, not even for the Troubleshoot report, which runs `adb version`', async () => {
    await runCommand(page!, 'Android Devices: Troubleshoot: My Device Does Not Show Up');
    // The report opens as an untitled Markdown document once every server answered or timed out.
    const editor = page!.locator('.editor-instance .view-lines').first();
    await editor.waitFor({ state: 'visible', timeout: 20_000 });
    await page!.locator('.editor-instance .view-lines', { hasText: '/usr/bin/adb' }).first().waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(existsSync(marker), false, 'the planted adb ran');
    await page!.keyboard.press('Control+W');
    // "Don't save" if VS Code asks about the untitled report.
    const dontSave = page!.getByRole('button', { name: "Don't Save" });
    if (await dontSave.isVisible().catch(() => false)) await dontSave.click();
  });

  it('reloaded while its servers misbehave, the old window leaves no connection; closed, nothing stays connected', async () => {
    // Both fakes are watched by this window only (its workspace settings name them).
    await waitUntil(() => silent.connectionCount() > 0 && half.connectionCount() > 0, 15_000, 'this window to reach both fakes', { everyMs: 50 });
    const before = { silent: silent.connectionCount(), half: half.connectionCount() };
    await page!.reload();
    await page!.locator(STATUS_ITEM).waitFor({ state: 'visible', timeout: 30_000 });
    // The new window's watcher reaches them again...
    await waitUntil(() => silent.connectionCount() > before.silent && half.connectionCount() > before.half, 15_000, 'the reloaded window to reach both fakes', {
      everyMs: 50,
    });
    // ...and at no moment are more sockets open than one window's watcher holds (a stream and a
    // poll or version request each): the old one's are gone. Sampled: no event exists for this.
    silent.resetPeak();
    half.resetPeak();
    await letTimePass(3000);
    assert.ok(silent.peakConnections() <= 2, `${silent.peakConnections()} connections to the silent server at once`);
    assert.ok(half.peakConnections() <= 2, `${half.peakConnections()} connections to the half-reply server at once`);

    // Closing the window deactivates the extension: every socket closes and none opens again.
    await page!.context().close();
    await waitUntil(() => silent.openConnections() + half.openConnections() === 0, 15_000, 'the closed window to drop its connections', { everyMs: 50 });
    const after = { silent: silent.connectionCount(), half: half.connectionCount() };
    await letTimePass(3000); // longer than the reconnect backoff's early steps
    assert.deepEqual({ silent: silent.connectionCount(), half: half.connectionCount() }, after, 'a connection was opened after the window closed');
    assert.equal(silent.openConnections() + half.openConnections(), 0);
  });
});
