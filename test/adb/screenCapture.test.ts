// The screen capability's model through the real supervisor and worker, against a real adb server
// with simulated devices: a screenshot (`exec:screencap -p`), and screen recordings stopped,
// ended at their time limit, cut by the device leaving and abandoned when the extension goes,
// each pulled through adb's sync protocol (DeviceFiles) and deleted on the device.

import * as assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { createPoller, Harness, watcherModelOn } from '../../lab/pollerHarness';
import { RECORDING_MP4 } from '../../lab/sim/screen';
import { waitUntil } from '../../lab/wait';
import { Device } from '../../src/core/types';
import { WatcherModel } from '../../src/devices/model/watcherModel';
import { DeviceFileError, DeviceFiles } from '../../src/files/model/deviceFiles';
import { mp4Problem, RecordingOutcome, ScreenRecorder } from '../../src/screen/model/screenRecorder';
import { pngSize, takeScreenshot } from '../../src/screen/model/screenshot';
import { useLab } from '../support/labFixture';


describe('screenshots and screen recordings through the worker (real adb server)', function () {
  this.timeout(30_000);
  const fixture = useLab();
  let harness: Harness | undefined;
  let model: WatcherModel | undefined;
  let files: DeviceFiles | undefined;
  let recorder: ScreenRecorder | undefined;

  afterEach(async () => {
    recorder?.dispose();
    recorder = undefined;
    files?.dispose();
    files = undefined;
    model?.dispose();
    model = undefined;
    await harness?.supervisor.dispose();
    harness = undefined;
  });

  /** A watcher of the lab's server and a new device on it, ready; a recorder with this time limit. */
  async function watchedDevice(properties: Record<string, string> = {}, timeLimitSec?: number): Promise<{ device: Device; port: number }> {
    harness = createPoller({ servers: [fixture.adb.address] });
    const watched = (model = watcherModelOn(harness.supervisor));
    const reader = (files = new DeviceFiles(watched));
    recorder = new ScreenRecorder(watched, (device, path) => reader.read({ server: device.server, serial: device.serial }, path), { timeLimitSec });
    await harness.supervisor.start();
    const { sim, serial } = await fixture.attach({ properties });
    const device = await waitUntil(() => watched.devices.find((d) => d.serial === serial && d.state === 'device' && d.details), 10_000, `${serial} ready`, {
      on: [watched.onDidChange],
    });
    return { device, port: sim.port };
  }

  const runningRecordings = (port: number) => fixture.lab.control<number>(port, 'screen', 'recordings');

  async function assertDeletedOnDevice(device: Device, path: string): Promise<void> {
    await assert.rejects(files!.stat({ server: device.server, serial: device.serial }, path), (error: unknown) => error instanceof DeviceFileError && error.kind === 'not-found');
  }

  function assertWholeRecording(outcome: RecordingOutcome): void {
    assert.ok(outcome.video, `a video (${outcome.kind}: ${outcome.message})`);
    assert.equal(mp4Problem(outcome.video), undefined);
    assert.deepEqual(Buffer.from(outcome.video), RECORDING_MP4, 'the file screenrecord wrote, byte for byte');
  }

  it('takes a PNG screenshot of the screen at its size', async () => {
    const { device } = await watchedDevice({ 'sim.screen.size': '720x1280' });
    const shot = await takeScreenshot(model!, device);
    assert.ok(shot.ok, JSON.stringify(!shot.ok && shot));
    assert.deepEqual([shot.width, shot.height], [720, 1280]);
    const image = PNG.sync.read(Buffer.from(shot.png));
    assert.deepEqual([image.width, image.height], [720, 1280]);
    assert.deepEqual(pngSize(shot.png), { width: 720, height: 1280 });
  });

  it('says plainly that a device that left cannot be captured (adb refuses its old transport)', async () => {
    const { device } = await watchedDevice();
    await fixture.adb.disconnect(device.serial);
    const watched = model!;
    await waitUntil(() => !watched.devices.some((d) => d.id === device.id), 10_000, 'the device to leave the list', { on: [watched.onDidChange] });
    const shot = await takeScreenshot(watched, device);
    assert.equal(shot.ok, false);
    assert.ok(!shot.ok && shot.problem === 'gone', JSON.stringify(shot));
  });

  it('records until stopped: SIGINT ends screenrecord, the whole MP4 is pulled and deleted on the device', async () => {
    const { device, port } = await watchedDevice();
    const started = await recorder!.start(device);
    assert.ok(started.ok, JSON.stringify(!started.ok && started));
    assert.equal(await runningRecordings(port), 1);
    assert.match(started.recording.path, /^\/data\/local\/tmp\/adw-\d+\.mp4$/);
    const again = await recorder!.start(device);
    assert.deepEqual(again.ok ? 'started twice' : again.problem, 'already', 'one recording per device');

    const outcome = await started.recording.stop();
    assert.equal(outcome.kind, 'stopped', outcome.message);
    assertWholeRecording(outcome);
    assert.equal(await runningRecordings(port), 0);
    await assertDeletedOnDevice(device, started.recording.path);
    assert.equal(recorder!.recordingOf(device), undefined);
  });

  it('keeps a recording that ended at its time limit, and says so', async () => {
    const { device, port } = await watchedDevice({}, 1);
    const started = await recorder!.start(device);
    assert.ok(started.ok);
    const outcome = await started.recording.finished;
    assert.equal(outcome.kind, 'time-limit', outcome.message);
    assert.ok(outcome.durationMs >= 900, `${outcome.durationMs} ms`);
    assertWholeRecording(outcome);
    assert.equal(await runningRecordings(port), 0);
    await assertDeletedOnDevice(device, started.recording.path);
  });

  it('ends a recording whose device left as lost, with no video', async () => {
    const { device } = await watchedDevice();
    const started = await recorder!.start(device);
    assert.ok(started.ok);
    await fixture.adb.disconnect(device.serial);
    const outcome = await started.recording.finished;
    assert.equal(outcome.kind, 'device-gone', JSON.stringify(outcome));
    assert.equal(outcome.video, undefined);
  });

  it('stops the recording on the device and deletes its file when the recorder is disposed', async () => {
    const { device, port } = await watchedDevice();
    const started = await recorder!.start(device);
    assert.ok(started.ok);
    recorder!.dispose();
    const outcome = await started.recording.finished;
    assert.equal(outcome.kind, 'disposed');
    assert.equal(outcome.video, undefined);
    // The lab's count has no event: polled.
    await waitUntil(async () => (await runningRecordings(port)) === 0, 5000, 'screenrecord to end on the device');
    await assertDeletedOnDevice(device, started.recording.path);
  });
});
