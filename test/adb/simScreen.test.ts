// A simulated device's screen through the real adb server and the real adb command line:
// `adb exec-out screencap -p`, `wm size`, and screenrecord ended by its time limit, by the host
// closing the stream (Ctrl-C on adb) and by `pkill -INT screenrecord`.

import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { PNG } from 'pngjs';
import { ADB_BIN, PrivateAdbServer } from '../../lab/adbServerProcess';
import { SimulatedLab } from '../../lab/sim/labClient';
import { waitUntil } from '../../lab/wait';
import { AdbRun, runAdb } from '../support/adbCli';
import { useLab } from '../support/labFixture';

const SETTLE_MS = 10_000;

/** An MP4's top-level boxes: type and size, in order. */
function boxes(file: Buffer): { type: string; size: number }[] {
  const found: { type: string; size: number }[] = [];
  for (let at = 0; at + 8 <= file.length; ) {
    const size = file.readUInt32BE(at);
    found.push({ type: file.toString('latin1', at + 4, at + 8), size });
    if (size < 8) break;
    at += size;
  }
  return found;
}

describe('simulated device screen through the adb CLI', function () {
  const fixture = useLab();
  let adb: PrivateAdbServer;
  let lab: SimulatedLab;
  const running = new Set<ChildProcess>();

  before(() => {
    ({ adb, lab } = fixture);
  });

  afterEach(() => {
    for (const child of running) child.kill('SIGKILL');
    running.clear();
  });

  async function device(properties: Record<string, string> = {}): Promise<{ serial: string; port: number }> {
    const { sim, serial } = await fixture.attach({ properties });
    await adb.waitForDevice(serial, 'device', SETTLE_MS);
    return { serial, port: sim.port };
  }

  const text = (run: AdbRun) => run.stdout.toString('utf8');

  /** `adb shell screenrecord --verbose ARGS...`, resolved once the recorder says it runs. */
  async function startRecording(serial: string, ...args: string[]): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
    const child = spawn(ADB_BIN, ['-P', String(adb.port), '-s', serial, 'shell', 'screenrecord', '--verbose', ...args], { env: adb.env });
    running.add(child);
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.includes('Content area is')) resolve();
      });
      void exited.then((code) => reject(new Error(`screenrecord ended (${code}) before it started: ${output}`)));
    });
    return { child, output: () => output, exited };
  }

  async function pullFile(serial: string, remote: string): Promise<Buffer> {
    const run = await runAdb(adb, ['-s', serial, 'exec-out', 'cat', remote]);
    assert.equal(run.code, 0, run.stderr);
    return run.stdout;
  }

  it('answers adb exec-out screencap -p with a PNG of the screen, 1080x2400 by default', async function () {
    const { serial } = await device();
    const run = await runAdb(adb, ['-s', serial, 'exec-out', 'screencap', '-p']);
    assert.equal(run.code, 0, run.stderr);
    const image = PNG.sync.read(run.stdout);
    assert.equal(image.width, 1080);
    assert.equal(image.height, 2400);
    const colors = new Set<number>();
    for (let at = 0; at < image.data.length; at += 4 * 997) colors.add(image.data.readUInt32BE(at));
    assert.ok(colors.size > 10, `only ${colors.size} colors: a blank screen`);
  });

  it('takes its screen size from the sim.screen.size property, as wm size reports it', async function () {
    const { serial } = await device({ 'sim.screen.size': '720x1600' });
    const image = PNG.sync.read((await runAdb(adb, ['-s', serial, 'exec-out', 'screencap', '-p'])).stdout);
    assert.deepEqual([image.width, image.height], [720, 1600]);
    assert.equal(text(await runAdb(adb, ['-s', serial, 'shell', 'wm', 'size'])), 'Physical size: 720x1600\n');
  });

  it('writes a screencap to a file on the device', async function () {
    const { serial } = await device();
    const run = await runAdb(adb, ['-s', serial, 'shell', 'screencap', '-p', '/sdcard/Pictures/shot.png']);
    assert.equal(run.code, 0, run.stderr);
    const image = PNG.sync.read(await pullFile(serial, '/sdcard/Pictures/shot.png'));
    assert.deepEqual([image.width, image.height], [1080, 2400]);
  });

  it('ends screenrecord at its time limit with an MP4 (ftyp, moov, mdat) on the device', async function () {
    const { serial } = await device();
    const run = await runAdb(adb, ['-s', serial, 'shell', 'screenrecord', '--time-limit', '1', '/sdcard/Movies/limit.mp4']);
    assert.equal(run.code, 0, run.stderr);
    const types = boxes(await pullFile(serial, '/sdcard/Movies/limit.mp4')).map((box) => box.type);
    assert.equal(types[0], 'ftyp');
    assert.ok(types.includes('moov') && types.includes('mdat'), String(types));
  });

  it('finishes the MP4 when the host closes the stream (Ctrl-C on adb shell)', async function () {
    const { serial, port } = await device();
    const recording = await startRecording(serial, '/sdcard/Movies/closed.mp4');
    assert.equal((await pullFile(serial, '/sdcard/Movies/closed.mp4')).length, 0, 'no moov while it records');
    recording.child.kill('SIGINT');
    await recording.exited;
    // The device hears of the close from the server: no event reaches the test across the lab.
    await waitUntil(async () => (await lab.control<number>(port, 'screen', 'recordings')) === 0, SETTLE_MS, 'the recording to end', { everyMs: 20 });
    const file = await pullFile(serial, '/sdcard/Movies/closed.mp4');
    assert.equal(file.toString('latin1', 4, 8), 'ftyp');
  });

  it('stops on pkill -INT screenrecord: the recorder says so and exits 0', async function () {
    const { serial } = await device();
    const recording = await startRecording(serial, '/sdcard/Movies/pkill.mp4');
    const pkill = await runAdb(adb, ['-s', serial, 'shell', 'pkill', '-INT', 'screenrecord']);
    assert.equal(pkill.code, 0, pkill.stderr);
    assert.equal(await recording.exited, 0);
    assert.match(recording.output(), /Stopping encoder and muxer\n$/);
    assert.equal((await pullFile(serial, '/sdcard/Movies/pkill.mp4')).toString('latin1', 4, 8), 'ftyp');
    const none = await runAdb(adb, ['-s', serial, 'shell', 'pkill', '-INT', 'screenrecord']);
    assert.equal(none.code, 1);
  });

  it("refuses screenrecord without a file and an out-of-range limit with screenrecord's texts", async function () {
    const { serial } = await device();
    const bare = await runAdb(adb, ['-s', serial, 'shell', 'screenrecord']);
    assert.equal(bare.code, 2);
    assert.equal(bare.stderr, 'Must specify output file (see --help).\n');
    const long = await runAdb(adb, ['-s', serial, 'shell', 'screenrecord', '--time-limit', '500', '/sdcard/x.mp4']);
    assert.equal(long.code, 2);
    assert.equal(long.stderr, 'Time limit 500s outside acceptable range [1,180]\n');
  });
});
