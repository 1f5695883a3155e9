// The device's screen in the real extension host, on the run's private adb server with simulated
// devices: Take Screenshot with a serial saves a PNG of the screen's size in the configured folder
// and opens it; a recording started and stopped is an MP4 saved there and opened, with nothing
// left running or stored on the device; a device that is not ready is refused with a sentence.

import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import * as vscode from 'vscode';
import type { CommandResult } from '../../../src/core/types';
import type { AndroidDeviceWatcherApi } from '../../../src/devices/ui/api';
import { useLab } from '../../support/labFixture';
import { activeApi, runAdbServer, SECTION, until } from './helpers';

/** The URI of the active editor tab's input (an image or video preview, or a text editor). */
function activeTabUri(): string | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri.toString() : undefined;
}

describe("the device's screen in the real extension host", () => {
  const fixture = useLab({ server: runAdbServer });
  let api: AndroidDeviceWatcherApi;
  let folder: string;
  /** A recording a failed test left running: stopped after it. */
  let recording: string | undefined;

  before(async () => {
    api = await activeApi();
    folder = await fs.mkdtemp(path.join(os.tmpdir(), 'adw-screen-'));
    await vscode.workspace.getConfiguration(SECTION).update('screenshotFolder', folder, vscode.ConfigurationTarget.Global);
  });
  afterEach(async () => {
    if (recording) await vscode.commands.executeCommand(`${SECTION}.stopScreenRecording`, recording);
    recording = undefined;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
  after(async () => {
    await vscode.workspace.getConfiguration(SECTION).update('screenshotFolder', undefined, vscode.ConfigurationTarget.Global);
    if (folder) await fs.rm(folder, { recursive: true, force: true });
  });

  /** A simulated device attached to the watched server, ready and named (its file names use the name). */
  async function readyDevice(properties: Record<string, string> = {}): Promise<{ serial: string; port: number }> {
    const { sim, serial } = await fixture.attach({ properties: { 'ro.product.manufacturer': 'Google', 'ro.product.model': 'Pixel 8', ...properties } });
    await until(api, () => api.devices.some((d) => d.serial === serial && d.state === 'device' && d.details !== undefined), 10_000, `${serial} ready`);
    return { serial, port: sim.port };
  }

  it('takes a screenshot of a device given by serial: a PNG of its screen size in the configured folder, opened', async () => {
    const { serial } = await readyDevice({ 'sim.screen.size': '600x1000' });
    const result = await vscode.commands.executeCommand<CommandResult>(`${SECTION}.takeScreenshot`, serial);
    assert.ok(result?.ok, result?.message);
    const uri = vscode.Uri.parse(result.message);
    assert.equal(path.dirname(uri.fsPath), folder);
    assert.match(path.basename(uri.fsPath), /^Google_Pixel_8_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d(_\d+)?\.png$/);
    const image = PNG.sync.read(await fs.readFile(uri.fsPath));
    assert.deepEqual([image.width, image.height], [600, 1000]);
    assert.equal(activeTabUri(), uri.toString(), 'the screenshot is open');
  });

  it('records the screen until stopped: an MP4 in the folder, opened, and nothing left on the device', async () => {
    const { serial, port } = await readyDevice();
    const started = await vscode.commands.executeCommand<CommandResult>(`${SECTION}.startScreenRecording`, serial);
    assert.ok(started?.ok, started?.message);
    recording = serial;
    assert.equal(await fixture.lab.control<number>(port, 'screen', 'recordings'), 1);
    const again = await vscode.commands.executeCommand<CommandResult>(`${SECTION}.startScreenRecording`, serial);
    assert.equal(again?.ok, false, 'one recording per device');
    assert.match(again?.message ?? '', /already being recorded/);

    const stopped = await vscode.commands.executeCommand<CommandResult>(`${SECTION}.stopScreenRecording`, serial);
    recording = undefined;
    assert.ok(stopped?.ok, stopped?.message);
    const uri = vscode.Uri.parse(stopped.message);
    assert.equal(path.dirname(uri.fsPath), folder);
    assert.match(path.basename(uri.fsPath), /^Google_Pixel_8_.*\.mp4$/);
    const video = await fs.readFile(uri.fsPath);
    assert.equal(video.toString('latin1', 4, 8), 'ftyp');
    assert.equal(activeTabUri(), uri.toString(), 'the recording is open');
    assert.equal(await fixture.lab.control<number>(port, 'screen', 'recordings'), 0);
    const left = await fixture.lab.control<{ name: string }[]>(port, 'files', 'list', { path: '/data/local/tmp' });
    assert.deepEqual(
      left.filter((entry) => entry.name.endsWith('.mp4')),
      [],
      'the recording is deleted on the device',
    );
  });

  it('refuses a device that is not ready, saying so, and saves nothing', async () => {
    const sim = await fixture.lab.addDevice({ state: 'unauthorized' });
    const serial = `127.0.0.1:${sim.port}`;
    fixture.detachAfter(serial);
    // adb reports a failed connect for an unauthorized device, yet lists it.
    await fixture.adb.connect(sim.port).catch(() => undefined);
    await until(api, () => api.devices.some((d) => d.serial === serial && d.state === 'unauthorized'), 10_000, 'the unauthorized device');
    const before = await fs.readdir(folder);
    const shot = await vscode.commands.executeCommand<CommandResult>(`${SECTION}.takeScreenshot`, serial);
    assert.equal(shot?.ok, false);
    assert.match(shot?.message ?? '', /is not ready \(unauthorized\): its screen cannot be captured now\./);
    const record = await vscode.commands.executeCommand<CommandResult>(`${SECTION}.startScreenRecording`, serial);
    assert.equal(record?.ok, false);
    assert.match(record?.message ?? '', /is not ready \(unauthorized\): its screen cannot be recorded now\./);
    assert.equal(await fixture.lab.control<number>(sim.port, 'screen', 'recordings'), 0);
    assert.deepEqual(await fs.readdir(folder), before);
  });
});
