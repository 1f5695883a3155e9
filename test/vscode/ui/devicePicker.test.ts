// Outer UI tests: drive the real workbench like a user (status bar, picker, command palette) while
// simulated devices come and go on the run's private adb server.

import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as letTimePass } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { findFreePort } from '../../../lab/ports';
import { SimulatedLab } from '../../../lab/sim/labClient';
import { useLab } from '../../support/labFixture';
import { screenshotOnFailure } from '../../support/screenshotOnFailure';
import { uiTestContext } from '../runner/runSuite';
import { PLAIN_EDITOR, RESTORED_SETTINGS, writeSettings } from './settingsEditor';
import { pickerRows, PICKER_ROWS, RESULTS, runCommand, STATUS_ITEM, statusText, waitForStatus } from '../../../lab/vscode/workbenchDriver';

/** The palette's entries for our category, as a user sees them in this state. */
async function paletteCommands(page: Page): Promise<string[]> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill('>Android Devices: ');
  await page.locator(PICKER_ROWS).first().waitFor({ state: 'visible' });
  const rows = (await pickerRows(page)).filter((row) => row.startsWith('Android Devices:'));
  await page.keyboard.press('Escape');
  return rows;
}

describe('status bar and picker, driven like a user', function () {
  const fixture = useLab({ server: () => uiTestContext().adb });
  let lab: SimulatedLab;
  /** A workbench on a fresh folder of its own: its selection starts empty, whatever ran before. */
  let page: Page;
  const folders: string[] = [];
  const figures: string[] = [];
  const freshFolder = async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'adw-ui-'));
    folders.push(folder);
    return folder;
  };

  before(async () => {
    lab = fixture.lab;
    page = await uiTestContext().openWorkbench({ folder: await freshFolder() });
  });
  screenshotOnFailure(() => page);
  after(async () => {
    for (const folder of folders) await fs.rm(folder, { recursive: true, force: true });
    if (figures.length > 0) {
      await fs.mkdir(RESULTS, { recursive: true });
      await fs.writeFile(path.join(RESULTS, 'vscode-figures.txt'), `${figures.join('\n')}\n`);
      console.log(figures.join('\n'));
    }
  });

  it('shows the first device in the status bar after activation, with no "No devices" before it', async function () {
    // A whole new workbench loads first (up to 30 s on a busy machine); how soon is a figure, below.
    this.timeout(60_000);
    const { adb, openWorkbench } = uiTestContext();
    const sim = await lab.addDevice({ model: 'Pixel_8', properties: { 'ro.product.manufacturer': 'Google', 'ro.product.model': 'Pixel 8' } });
    await adb.connect(sim.port);
    let itemAt = 0;
    const texts: string[] = [];
    const fresh = await openWorkbench({
      folder: await freshFolder(),
      beforeNavigate: async (p) => {
        await p.exposeFunction('adwStatusText', (text: string) => {
          itemAt ||= performance.now();
          if (texts[texts.length - 1] !== text) texts.push(text);
        });
        // Every text the extension's item shows, from its first render (activation) on.
        await p.addInitScript((selector) => {
          const report = () => {
            const item = document.querySelector(selector) as HTMLElement | null;
            if (item) (window as unknown as { adwStatusText(text: string): void }).adwStatusText(item.innerText.trim());
          };
          new MutationObserver(report).observe(document, { childList: true, subtree: true, characterData: true });
        }, STATUS_ITEM);
      },
    });
    const text = await waitForStatus(fresh, /Google Pixel 8/, 15_000);
    const shownAt = performance.now();
    assert.match(text, /Google Pixel 8/);
    const beforeDevice = texts.slice(0, texts.findIndex((t) => /Pixel 8/.test(t)));
    assert.ok(!beforeDevice.some((t) => /No devices|disconnected|not running/.test(t)), `status texts in order: ${JSON.stringify(texts)}`);
    // One name from the first time it is shown: the one read from the device (manufacturer and
    // model), never adb's list's "Pixel_8" as "Pixel 8" first; the first-ready notice says it too.
    assert.ok(texts.filter((t) => /Pixel 8/.test(t)).every((t) => /Google Pixel 8/.test(t)), `status texts in order: ${JSON.stringify(texts)}`);
    const notice = fresh.locator('.notifications-toasts', { hasText: 'the first ready device' });
    await notice.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await notice.innerText(), new RegExp(`Using Google Pixel 8 \\(127\\.0\\.0\\.1:${sim.port}\\)`));
    figures.push(`activation (status item first rendered) -> first device shown: ${(shownAt - itemAt).toFixed(0)} ms; texts before it: ${JSON.stringify(beforeDevice)}`);
    await fresh.context().close();
  });

  it('opens the picker from the status bar, with every simulated device and its state', async () => {
    const { adb } = uiTestContext();
    const unauthorized = await lab.addDevice({ state: 'unauthorized' });
    await adb.connect(unauthorized.port).catch(() => undefined);
    await waitForStatus(page, /Pixel 8/);
    await page.locator(STATUS_ITEM).click();
    // adb lists a new TCP device offline first; the row turns unauthorized in place.
    await page.locator(PICKER_ROWS, { hasText: 'Allow USB debugging' }).waitFor({ state: 'visible', timeout: 10_000 });
    const rows = await pickerRows(page);
    assert.ok(rows.some((row) => /Google Pixel 8|Pixel 8/.test(row) && /selected/.test(row)), rows.join('\n'));
    assert.ok(rows.some((row) => /unauthorized/.test(row) && /Allow USB debugging/.test(row)), rows.join('\n'));
    assert.ok(rows.some((row) => /Pause watching/.test(row)), rows.join('\n'));
  });

  it('adds a device attached while the picker is open, and the status bar follows', async () => {
    const { adb } = uiTestContext();
    const before = await statusText(page);
    const sim = await lab.addDevice({ properties: { 'ro.product.manufacturer': 'samsung', 'ro.product.model': 'SM-S918B' } });
    const started = performance.now();
    await adb.connect(sim.port);
    await page.locator(PICKER_ROWS, { hasText: `127.0.0.1:${sim.port}` }).waitFor({ state: 'visible', timeout: 10_000 });
    const inPickerAt = performance.now();
    const after = await waitForStatus(page, /\(\+\d+\)/);
    figures.push(`device attach -> row in the open picker: ${(inPickerAt - started).toFixed(0)} ms`);
    assert.notEqual(after, before);
    await fs.mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, 'picker.png') });
    await page.keyboard.press('Escape');
  });

  it('updates the status bar within moments of a device attaching', async () => {
    const { adb } = uiTestContext();
    const count = Number(/\(\+(\d+)\)/.exec(await statusText(page))?.[1] ?? 0);
    const sim = await lab.addDevice();
    const started = performance.now();
    await adb.connect(sim.port);
    await waitForStatus(page, new RegExp(`\\(\\+${count + 1}\\)`));
    figures.push(`device attach -> status bar updated: ${(performance.now() - started).toFixed(0)} ms`);
  });

  it('runs pause / stop / force-kill / restart from the command palette, and the status bar says so', async () => {
    await runCommand(page, 'Android Devices: Pause Device Watcher');
    assert.match(await waitForStatus(page, /paused/), /paused/);
    const whilePaused = await paletteCommands(page);
    assert.ok(whilePaused.some((c) => c.includes('Resume Device Watcher')), whilePaused.join('\n'));
    assert.ok(!whilePaused.some((c) => c.includes('Pause Device Watcher')), 'pause is hidden while paused');
    await runCommand(page, 'Android Devices: Resume Device Watcher');
    await waitForStatus(page, /\(\+\d+\)/);
    await runCommand(page, 'Android Devices: Stop Device Watcher');
    assert.match(await waitForStatus(page, /stopped/), /Device watcher stopped/);
    const whileStopped = await paletteCommands(page);
    assert.ok(whileStopped.some((c) => c.includes('Start Device Watcher')), whileStopped.join('\n'));
    assert.ok(!whileStopped.some((c) => c.includes('Force-Kill')), 'force-kill is hidden with no worker');
    await runCommand(page, 'Android Devices: Start Device Watcher');
    await waitForStatus(page, /\(\+\d+\)/);
    await runCommand(page, 'Android Devices: Force-Kill Device Watcher');
    assert.match(await waitForStatus(page, /force-killed/), /force-killed/);
    await runCommand(page, 'Android Devices: Restart Device Watcher');
    await waitForStatus(page, /\(\+\d+\)/);
  });

  it('connects a device over Wi-Fi from the picker, and it appears without a refresh', async () => {
    const sim = await lab.addDevice({ properties: { 'ro.product.manufacturer': 'OnePlus', 'ro.product.model': 'CPH2449' } });
    await page.locator(STATUS_ITEM).click();
    // Typed like a user would: the row may be below the picker's visible rows.
    await page.locator('.quick-input-widget input').fill('Connect a device');
    const connectRow = page.locator(PICKER_ROWS, { hasText: 'Connect a device over Wi-Fi' });
    await connectRow.waitFor({ state: 'visible' });
    await connectRow.click();
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget', { hasText: 'Connect a device over Wi-Fi' }).waitFor({ state: 'visible' });
    await input.fill('not an address!');
    await page.locator('.quick-input-widget', { hasText: 'Use host:port' }).waitFor({ state: 'visible' });
    await input.fill(`127.0.0.1:${sim.port}`);
    await page.keyboard.press('Enter');
    await page.locator('.notifications-toasts', { hasText: `connected to 127.0.0.1:${sim.port}` }).waitFor({ state: 'visible', timeout: 10_000 });
    await page.locator(STATUS_ITEM).click();
    await page.locator(PICKER_ROWS, { hasText: 'CPH2449' }).waitFor({ state: 'visible', timeout: 10_000 });
    await page.keyboard.press('Escape');
  });

  it('remembers the selection across a window reload', async function () {
    this.timeout(60_000);
    await page.locator(STATUS_ITEM).click();
    const row = page.locator(PICKER_ROWS, { hasText: 'SM-S918B' });
    await row.waitFor({ state: 'visible' });
    await row.click();
    await waitForStatus(page, /SM-S918B/);
    // VS Code's web storage writes workspace state to IndexedDB after a short delay, with no
    // event to wait for; a user does not reload within it.
    await letTimePass(1000);
    // Every text the status item shows in the reloaded window, from its first render.
    await page.addInitScript((selector) => {
      const texts: string[] = [];
      (window as unknown as { adwStatusTexts: string[] }).adwStatusTexts = texts;
      new MutationObserver(() => {
        const text = document.querySelector(selector)?.textContent?.trim();
        if (text && text !== texts[texts.length - 1]) texts.push(text);
      }).observe(document, { childList: true, subtree: true, characterData: true });
    }, STATUS_ITEM);
    await page.reload();
    // Listed again (+N others), by the name it had: never adb's "SM S918B" while details are read,
    // and never "disconnected" before its adb server has answered.
    assert.match(await waitForStatus(page, /SM-S918B \(\+\d+\)/, 20_000), /SM-S918B \(\+\d+\)/);
    const texts = await page.evaluate(() => (window as unknown as { adwStatusTexts: string[] }).adwStatusTexts);
    assert.ok(texts.length > 0 && texts.every((text) => text.includes('SM-S918B') && !text.includes('disconnected')), texts.join(' | '));
  });

  it('says so in the status bar and the picker when no adb server runs, starts it from the picker, and recovers', async function () {
    this.timeout(60_000);
    const port = await findFreePort();
    try {
      // Starting by itself is off here, so the server stays down until the user asks.
      await writeSettings(page, `{ ${PLAIN_EDITOR}, "androidDeviceWatcher.adbServers": ["127.0.0.1:${port}"], "androidDeviceWatcher.startAdbServer": false }`, 'remote');
      assert.match(await waitForStatus(page, /adb server not running/), /adb server not running/);
      await page.locator(STATUS_ITEM).click();
      const problem = page.locator(PICKER_ROWS, { hasText: 'adb server not running' });
      await problem.waitFor({ state: 'visible' });
      assert.match(await problem.innerText(), /connection refused/);
      const start = page.locator(PICKER_ROWS, { hasText: 'Start the adb server' });
      assert.match(await start.innerText(), new RegExp(`127\\.0\\.0\\.1:${port}`));
      await start.click();
      // The server now runs and has listed its devices, none of them the selected one: the status
      // bar says that device is disconnected instead of the failure.
      assert.match(await waitForStatus(page, /disconnected|No devices/, 30_000), /disconnected|No devices/);
    } finally {
      await new Promise<void>((resolve) => execFile('adb', ['-P', String(port), 'kill-server'], { timeout: 20_000 }, () => resolve()));
      await writeSettings(page, RESTORED_SETTINGS, 'remote');
    }
    await waitForStatus(page, /\(\+\d+\)/);
  });

  it('tells the user when the selected device disconnects, and keeps it selected', async () => {
    const { adb } = uiTestContext();
    await page.locator(STATUS_ITEM).click();
    const row = page.locator(PICKER_ROWS, { hasText: 'selected' }).first();
    await row.waitFor({ state: 'visible' });
    const serial = /127\.0\.0\.1:\d+/.exec(await row.innerText())![0];
    await page.keyboard.press('Escape');
    await adb.disconnect(serial);
    await page.locator('.notifications-toasts', { hasText: `(${serial}) disconnected` }).waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await waitForStatus(page, /disconnected/), /disconnected/);
    await adb.connect(Number(serial.split(':')[1]));
    await waitForStatus(page, /\(\+\d+\)$/);
  });

  it('warns about a bad setting, naming it, and keeps working', async function () {
    this.timeout(40_000);
    try {
      await writeSettings(page, `{ ${PLAIN_EDITOR}, "androidDeviceWatcher.pollIntervalMs": 5 }`);
      const toast = page.locator('.notifications-toasts', { hasText: 'androidDeviceWatcher.pollIntervalMs' });
      await toast.waitFor({ state: 'visible', timeout: 10_000 });
      assert.match(await toast.innerText(), /using 1000/);
      assert.match(await statusText(page), /SM-S918B/);
    } finally {
      await writeSettings(page, RESTORED_SETTINGS);
    }
  });
});
