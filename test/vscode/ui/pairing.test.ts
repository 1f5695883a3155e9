// Wireless pairing as a user meets it in the real workbench. First the run's real adb server is
// asked, and the user is told what it can do: adb 29 cannot pair (which platform-tools pairing
// needs), Debian's adb 34 pairs but has no mDNS (no QR code; a pairing code with a typed address,
// and adb's own failure when no phone answers there). Then the extension watches the named fake of
// lab/pairingAdbServer.ts, a proxy in front of the same real adb server that answers only the mDNS
// and pairing services, as AOSP's adb does, for what no adb here can do (a phone found by mDNS, a
// pairing that succeeds): the QR code the panel draws is read back from a screenshot and the
// "phone" advertises and pairs with what it holds; the device that then connects is a simulated
// one on the real server.

import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { labAdbRelease } from '../../../lab/adbServerProcess';
import { PairingAdbServer } from '../../../lab/pairingAdbServer';
import { findFreePort, tcpSerial } from '../../../lab/ports';
import { SimulatedLab } from '../../../lab/sim/labClient';
import { PICKER_ROWS, RESULTS, runCommand, screenshotPairingQr, STATUS_ITEM, waitForStatus, webviewFrame } from '../../../lab/vscode/workbenchDriver';
import { PAIRING_VIEW_TYPE } from '../../../src/pairing/ui/pairingHtml';
import { TLS_CONNECT_SERVICE, TLS_PAIRING_SERVICE } from '../../../src/pairing/model/wirelessPairing';
import { useLab } from '../../support/labFixture';
import { decodeQrFromPng } from '../../support/qrDecode';
import { screenshotOnFailure } from '../../support/screenshotOnFailure';
import { StartedHere } from '../../support/started';
import { uiTestContext } from '../runner/runSuite';
import { PLAIN_EDITOR, RESTORED_SETTINGS, writeSettings } from './settingsEditor';

/** The phone's pairing port: nothing listens there, the fake answers for the phone. */
const PHONE_PAIRING_ADDRESS = '127.0.0.1:37001';

/** `WIFI:T:ADB;S:name;P:password;;` read back, escapes undone. */
function readPayload(payload: string): { name: string; password: string } {
  const match = /^WIFI:T:ADB;S:((?:\\.|[^;\\])*);P:((?:\\.|[^;\\])*);;$/.exec(payload);
  assert.ok(match, `not a pairing payload: ${payload}`);
  const unescape = (value: string) => value.replace(/\\(.)/g, '$1');
  return { name: unescape(match[1]), password: unescape(match[2]) };
}

async function qrPayload(frame: Frame): Promise<string> {
  const payload = decodeQrFromPng(await screenshotPairingQr(frame));
  assert.ok(payload, 'no QR code could be read from the panel');
  return payload;
}

async function steps(frame: Frame): Promise<string[]> {
  return frame.locator('.step').evaluateAll((items) => items.map((item) => `${(item as HTMLElement).dataset.state} ${item.querySelector('.label')?.textContent ?? ''}`));
}

async function toast(page: Page, text: string, timeoutMs = 15_000): Promise<string> {
  // Visible ones only: a cleared toast may still be in the page, hidden, on its way out.
  const found = page.locator('.notifications-toasts .notification-toast', { hasText: text }).filter({ visible: true }).first();
  await found.waitFor({ state: 'visible', timeout: timeoutMs });
  return found.innerText();
}

/**
 * A notification's text, read in the notification center: VS Code does not toast a notification
 * that comes within 800 ms of three others (its spam protection), as a second pairing done at test
 * speed does, but lists every one there.
 */
async function inNotificationCenter(page: Page, text: string, timeoutMs = 15_000): Promise<string> {
  await runCommand(page, 'Notifications: Show Notifications');
  const found = page.locator('.notifications-center .notification-list-item', { hasText: text }).first();
  await found.waitFor({ state: 'visible', timeout: timeoutMs });
  const said = await found.innerText();
  await runCommand(page, 'Notifications: Hide Notifications');
  return said;
}

/** Opens the picker from the status bar and runs one of its footer rows, as a user finds them. */
async function pickerAction(page: Page, label: string): Promise<void> {
  await page.locator(STATUS_ITEM).click();
  // As a user would see in its title: the watcher runs (pairing asks the server through it).
  await page.locator('.quick-input-widget', { hasText: 'watcher running' }).waitFor({ state: 'visible', timeout: 20_000 });
  await page.locator('.quick-input-widget input').fill(label);
  await page.locator(PICKER_ROWS, { hasText: label }).click();
}

describe('wireless pairing in the real workbench', function () {
  this.timeout(90_000);
  const fixture = useLab({ server: () => uiTestContext().adb });
  const fakes = new StartedHere();
  let lab: SimulatedLab;
  let fake: PairingAdbServer;
  screenshotOnFailure(() => uiTestContext().workbench);

  before(() => {
    lab = fixture.lab;
  });
  // Each test starts with no pairing panel (a panel left by a failed test keeps the keyboard: F1
  // goes to its page) and reads its own toasts.
  const closePanels = async () => {
    const page = uiTestContext().workbench;
    const tabs = page.locator('.tab', { hasText: 'Pair over Wi-Fi' });
    // A tab may be on its way out (closed by the test before): tried a few times, then it must be gone.
    for (let attempt = 0; attempt < 5 && (await tabs.count()) > 0; attempt++) {
      await tabs.first().hover({ timeout: 2000 }).catch(() => undefined);
      await tabs.first().locator('.codicon-close').click({ timeout: 2000 }).catch(() => undefined);
    }
    await tabs.first().waitFor({ state: 'detached', timeout: 5000 });
  };
  beforeEach(async () => {
    await closePanels();
    await runCommand(uiTestContext().workbench, 'Notifications: Clear All Notifications');
  });
  after(async () => {
    await closePanels();
    await writeSettings(uiTestContext().workbench, RESTORED_SETTINGS, 'remote');
    await runCommand(uiTestContext().workbench, 'Notifications: Clear All Notifications');
    await fakes.stopAll();
  });

  it("says what the real adb server cannot do, and opens no panel: too old to pair (adb 29), or no mDNS to find the phone (adb 34)", async () => {
    const page = uiTestContext().workbench;
    await pickerAction(page, 'Pair a device over Wi-Fi with a QR code');
    if ((await labAdbRelease()) < 30) {
      const text = await toast(page, 'Wireless pairing needs adb from platform-tools 30.0.0 or newer');
      assert.match(text, /SDK Manager/);
    } else {
      const text = await toast(page, 'was built without mDNS discovery');
      assert.match(text, /Linux distributions' adb packages.*cannot find a phone that scans a QR code.*Google's platform-tools have mDNS/s);
      assert.match(text, /Pair with a Code/);
    }
    assert.equal(await page.locator('.tab', { hasText: 'Pair' }).count(), 0, 'a pairing panel was opened');
  });

  it('pairs with a code through the real adb server: a typed address, and adb\'s own failure where no phone listens', async () => {
    const page = uiTestContext().workbench;
    const nobody = tcpSerial(await findFreePort());
    if ((await labAdbRelease()) < 30) {
      await runCommand(page, 'Android Devices: Pair a Device over Wi-Fi with a Pairing Code');
      await toast(page, 'Wireless pairing needs adb from platform-tools 30.0.0 or newer');
      return;
    }
    // From the QR command's notice: this server finds no phone, so the address is asked at once.
    await runCommand(page, 'Android Devices: Pair a Device over Wi-Fi with a QR Code');
    const notice = page.locator('.notifications-toasts .notification-toast', { hasText: 'was built without mDNS discovery' }).first();
    await notice.locator('.monaco-button', { hasText: 'Pair with a Code' }).click();
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget', { hasText: 'Pair device with pairing code' }).waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await page.locator(PICKER_ROWS).count(), 0, 'a list of phones the server cannot see');
    await input.fill(nobody);
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget', { hasText: 'six-digit' }).waitFor({ state: 'visible' });
    await input.fill('123456');
    await page.keyboard.press('Enter');
    // adb 34's "Failed: Unable to start pairing client.", in the user's words.
    assert.match(await toast(page, `Pairing with ${nobody} failed`), new RegExp(`could not reach the phone's pairing service at ${nobody.replace(/\./g, '\\.')}`));
  });

  it('pairs a phone that scans the QR code: the steps are shown, the device appears and is selected', async () => {
    const page = uiTestContext().workbench;
    [fake] = await fakes.startAll(fakes.start('the pairing fake adb server', PairingAdbServer.start(uiTestContext().adb.port), (server) => server.close()));
    await writeSettings(page, `{ ${PLAIN_EDITOR}, "androidDeviceWatcher.adbServers": ["${fake.address}"] }`, 'remote');
    // The watcher now reads its lists through the fake.
    await fake.requested('host:track-devices-l', 1, 20_000);
    const phone = await lab.addDevice({ properties: { 'ro.product.manufacturer': 'Google', 'ro.product.model': 'Pixel 9 Pro' } });

    await pickerAction(page, 'Pair a device over Wi-Fi with a QR code');
    const frame = await webviewFrame(page, PAIRING_VIEW_TYPE, 20_000);
    const payload = await qrPayload(frame);
    const { name, password } = readPayload(payload);
    assert.match(name, /^adw-[A-Za-z0-9]{10}$/);
    assert.match(password, /^[A-Za-z0-9]{12}$/);
    assert.deepEqual(await steps(frame), ['active Scan the QR code with the phone', 'pending Pairing with the phone', 'pending Waiting for the device to connect']);
    await page.locator('.part.editor').screenshot({ path: path.join(RESULTS, 'pairing-panel.png') });

    // Hidden and shown again (another editor over it), the panel shows the same code and steps.
    await page.keyboard.press('Control+N');
    await page.locator('.tab.active', { hasText: 'Untitled' }).waitFor({ state: 'visible' });
    await page.keyboard.press('Control+W');
    const shownAgain = await webviewFrame(page, PAIRING_VIEW_TYPE);
    assert.equal(await qrPayload(shownAgain), payload);

    // The phone scanned it: it advertises its pairing service under the code's name.
    fake.advertise({ instance: name, type: TLS_PAIRING_SERVICE, address: PHONE_PAIRING_ADDRESS });
    fake.expectPairing({ instance: name, password, device: tcpSerial(phone.port) });
    const outcome = shownAgain.locator('#outcome[data-ok=true]');
    await outcome.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await outcome.innerText(), /Paired and connected: Google Pixel 9 Pro/);
    assert.deepEqual(
      fake.pairRequests.map((request) => [request.target, request.password]),
      [[PHONE_PAIRING_ADDRESS, password]],
    );
    assert.deepEqual(await steps(shownAgain), ['done Scan the QR code with the phone', 'done Pairing with the phone', 'done Waiting for the device to connect']);
    assert.match(await waitForStatus(page, /Pixel 9 Pro/), /Pixel 9 Pro/);
    await page.locator('.part.editor').screenshot({ path: path.join(RESULTS, 'pairing-panel-paired.png') });
    await shownAgain.locator('button[data-action=close]').click();
  });

  it('says so, and opens no panel, when the server cannot browse mDNS (the QR code could never be found)', async () => {
    const page = uiTestContext().workbench;
    fake.mdns = 'unavailable';
    try {
      await pickerAction(page, 'Pair a device over Wi-Fi with a QR code');
      assert.match(await toast(page, 'Cannot pair with a QR code through the adb server'), /mdns daemon unavailable/);
      assert.equal(await page.locator('.tab', { hasText: 'Pair over Wi-Fi' }).count(), 0, 'a pairing panel was opened');
    } finally {
      fake.mdns = 'running';
    }
  });

  it('keeps the QR code readable in the dark and high-contrast themes', async () => {
    const page = uiTestContext().workbench;
    for (const theme of ['Default Dark Modern', 'Default High Contrast']) {
      await writeSettings(page, `{ ${PLAIN_EDITOR}, "androidDeviceWatcher.adbServers": ["${fake.address}"], "workbench.colorTheme": "${theme}" }`, 'remote');
      await runCommand(page, 'Android Devices: Pair a Device over Wi-Fi with a QR Code');
      const frame = await webviewFrame(page, PAIRING_VIEW_TYPE, 20_000);
      assert.match(await qrPayload(frame), /^WIFI:T:ADB;S:adw-/, theme);
      await frame.locator('button[data-action=cancel]').click();
      await frame.locator('#outcome', { hasText: 'Cancelled' }).waitFor({ state: 'visible' });
      await frame.locator('button[data-action=close]').click();
    }
    await writeSettings(page, `{ ${PLAIN_EDITOR}, "androidDeviceWatcher.adbServers": ["${fake.address}"] }`, 'remote');
  });

  it('takes the QR code away once nothing waits for it (cancelled), and draws a new one to try again', async () => {
    const page = uiTestContext().workbench;
    await runCommand(page, 'Android Devices: Pair a Device over Wi-Fi with a QR Code');
    const frame = await webviewFrame(page, PAIRING_VIEW_TYPE, 20_000);
    const first = await qrPayload(frame);
    await frame.locator('button[data-action=cancel]').click();
    await frame.locator('#outcome', { hasText: 'Cancelled' }).waitFor({ state: 'visible' });
    // A phone that scanned it now would wait at "pairing" for ever: it is gone from the page.
    await frame.locator('#qr').waitFor({ state: 'hidden' });
    assert.equal(await frame.locator('#qr img').getAttribute('src'), null);
    await frame.locator('button[data-action=retry]').click();
    const second = await qrPayload(frame);
    assert.notEqual(second, first, 'the new attempt has a new code');
    assert.deepEqual(await steps(frame), ['active Scan the QR code with the phone', 'pending Pairing with the phone', 'pending Waiting for the device to connect']);
    await frame.locator('button[data-action=cancel]').click();
    await frame.locator('button[data-action=close]').click();
  });

  it('through a server without mDNS, asks once paired where to connect the phone, and connects it there', async () => {
    const page = uiTestContext().workbench;
    const phone = await lab.addDevice({ properties: { 'ro.product.manufacturer': 'OnePlus', 'ro.product.model': 'CPH2581' } });
    const pairingAddress = '127.0.0.1:37003';
    fake.mdns = 'not-built';
    try {
      // The phone is not found on the network (no mDNS): only its addresses, as it shows them, are known.
      fake.advertise({ instance: 'adb-OP12-noMdns', type: TLS_PAIRING_SERVICE, address: pairingAddress });
      fake.expectPairing({ address: pairingAddress, password: '735102', device: tcpSerial(phone.port) });
      await runCommand(page, 'Android Devices: Pair a Device over Wi-Fi with a Pairing Code');
      const input = page.locator('.quick-input-widget input');
      await page.locator('.quick-input-widget', { hasText: 'Pair device with pairing code' }).waitFor({ state: 'visible', timeout: 15_000 });
      await input.fill(pairingAddress);
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-widget', { hasText: 'six-digit' }).waitFor({ state: 'visible' });
      await input.fill('735102');
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-widget', { hasText: `Paired with ${pairingAddress}: connect it` }).waitFor({ state: 'visible', timeout: 15_000 });
      await input.fill(tcpSerial(phone.port));
      await page.keyboard.press('Enter');
      assert.ok((await toast(page, 'Paired and connected:')).includes(tcpSerial(phone.port)));
      assert.match(await waitForStatus(page, /CPH2581/), /CPH2581/);
    } finally {
      fake.mdns = 'running';
    }
  });

  it('pairs with a pairing code: the phone is picked from the network, a wrong code is said to be wrong, the right one pairs', async () => {
    const page = uiTestContext().workbench;
    const phone = await lab.addDevice({ properties: { 'ro.product.manufacturer': 'samsung', 'ro.product.model': 'SM-S928B' } });
    const pairingAddress = '127.0.0.1:37002';
    fake.advertise({ instance: 'adb-R5CX-Galaxy', type: TLS_PAIRING_SERVICE, address: pairingAddress });
    fake.expectPairing({ address: pairingAddress, password: '482913', device: tcpSerial(phone.port) });

    const pairWithCode = async (code: string) => {
      await runCommand(page, 'Android Devices: Pair a Device over Wi-Fi with a Pairing Code');
      const row = page.locator(PICKER_ROWS, { hasText: 'adb-R5CX-Galaxy' });
      await row.waitFor({ state: 'visible', timeout: 15_000 });
      assert.match(await row.innerText(), /127\.0\.0\.1:37002/);
      await row.click();
      const input = page.locator('.quick-input-widget input');
      await page.locator('.quick-input-widget', { hasText: 'six-digit' }).waitFor({ state: 'visible' });
      await input.fill(code);
      // Enter is taken only once the extension host has validated the new value: until then the
      // empty box's complaint stands and Enter does nothing (a person types slower than that).
      await page.locator('.quick-input-widget .quick-input-message', { hasText: 'Six digits' }).waitFor({ state: 'hidden' });
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-widget', { hasText: 'six-digit' }).waitFor({ state: 'hidden' });
    };

    await pairWithCode('111111');
    assert.match(await toast(page, 'Pairing with 127.0.0.1:37002 failed'), /wrong code/);
    await pairWithCode('482913');
    // Named by its serial if its details are not read yet; the status bar names it in any case.
    assert.ok((await inNotificationCenter(page, 'Paired and connected:')).includes(tcpSerial(phone.port)));
    assert.match(await waitForStatus(page, /SM-S928B/), /SM-S928B/);
    assert.deepEqual(
      fake.pairRequests.slice(-2).map((request) => [request.target, request.password]),
      [
        [pairingAddress, '111111'],
        [pairingAddress, '482913'],
      ],
    );
  });

  it('lists a phone with wireless debugging on that is not connected, and connects it from the picker', async () => {
    const page = uiTestContext().workbench;
    const phone = await lab.addDevice({ properties: { 'ro.product.manufacturer': 'Xiaomi', 'ro.product.model': '23127PN0CC' } });
    fake.advertise({ instance: 'adb-XM14-net', type: TLS_CONNECT_SERVICE, address: tcpSerial(phone.port) });
    await page.locator(STATUS_ITEM).click();
    await page.locator('.quick-input-widget input').fill('adb-XM14');
    const row = page.locator(PICKER_ROWS, { hasText: 'adb-XM14-net' });
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await row.innerText(), /Wireless debugging is on/);
    await row.click();
    // Once connected it is a device like any other, and no longer offered on the network.
    await page.locator(STATUS_ITEM).click();
    await page.locator('.quick-input-widget input').fill('23127PN0CC');
    await page.locator(PICKER_ROWS, { hasText: '23127PN0CC' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await page.locator('.quick-input-widget input').fill('adb-XM14');
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    await page.keyboard.press('Escape');
  });
});
