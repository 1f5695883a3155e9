// The screen capability's rules without a device: what counts as a PNG and as a whole MP4, the
// file names captures get, and a screencap answer that is not an image (through the real device:
// test/adb/screenCapture).

import * as assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { RECORDING_MP4 } from '../../lab/sim/screen';
import { Device } from '../../src/core/types';
import { mp4Problem } from '../../src/screen/model/screenRecorder';
import { captureFileName, fileNamePart, numberedFileName, pngSize, takeScreenshot } from '../../src/screen/model/screenshot';
import { readScreenSettings } from '../../src/screen/model/screenSettings';

const device: Device = { id: 's/x', server: '127.0.0.1:5037', serial: 'x', state: 'device', connection: 'usb' };

function answering(data: Uint8Array) {
  const services: string[] = [];
  return {
    services,
    devices: [device],
    controls: {
      requestDeviceService: (_target: unknown, service: string) => {
        services.push(service);
        return Promise.resolve({ ok: true as const, data });
      },
    },
  };
}

describe('screen captures: formats and names', () => {
  it('reads a PNG size from its header and refuses anything else', () => {
    const image = new PNG({ width: 3, height: 5 });
    assert.deepEqual(pngSize(PNG.sync.write(image)), { width: 3, height: 5 });
    assert.equal(pngSize(Buffer.from('/system/bin/sh: screencap: not found\n')), undefined);
    assert.equal(pngSize(PNG.sync.write(image).subarray(0, 20)), undefined);
  });

  it('asks for exec:screencap -p and says plainly when the answer is not a PNG, with the device\'s words', async () => {
    const { services, ...model } = answering(Buffer.from('/system/bin/sh: screencap: inaccessible or not found\r\n'));
    const shot = await takeScreenshot(model, device);
    assert.deepEqual(services, ['exec:screencap -p']);
    assert.equal(shot.ok, false);
    assert.ok(!shot.ok);
    assert.equal(shot.problem, 'not-png');
    assert.equal(shot.said, '/system/bin/sh: screencap: inaccessible or not found');
  });

  it('takes an MP4 as whole only from ftyp to its end with a moov', () => {
    assert.equal(mp4Problem(RECORDING_MP4), undefined);
    assert.equal(mp4Problem(RECORDING_MP4.subarray(0, 300)), 'the recording was cut short');
    assert.equal(mp4Problem(Buffer.alloc(0)), 'the recording is empty');
    assert.equal(mp4Problem(Buffer.from('not a video at all')), 'the recording is not an MP4 file');
    // ftyp, then an mdat the muxer never closed (size 0: "to the end of the file").
    const ftyp = RECORDING_MP4.subarray(0, RECORDING_MP4.readUInt32BE(0));
    const open = Buffer.concat([ftyp, Buffer.from([0, 0, 0, 0]), Buffer.from('mdat'), Buffer.alloc(100)]);
    assert.equal(mp4Problem(open), 'the recording was not finished');
    // Whole boxes but no moov: nothing to play.
    const mdat = Buffer.concat([Buffer.from([0, 0, 0, 16]), Buffer.from('mdat'), Buffer.alloc(8)]);
    assert.equal(mp4Problem(Buffer.concat([ftyp, mdat])), 'the recording was not finished');
  });

  it('names a capture by the device and the local time, in safe file characters', () => {
    const at = new Date(2026, 11, 8, 14, 3, 22);
    assert.equal(captureFileName('Pixel 8', at, 'png'), 'Pixel_8_2026-12-08_14-03-22.png');
    assert.equal(captureFileName('../../etc/passwd', at, 'mp4'), 'etc_passwd_2026-12-08_14-03-22.mp4');
    assert.equal(captureFileName('小米 13 Pro', at, 'png'), '小米_13_Pro_2026-12-08_14-03-22.png');
    assert.equal(fileNamePart('$(x) :*?"<>|'), 'x');
    assert.equal(fileNamePart('...'), 'device');
    assert.equal(numberedFileName('Pixel_8_2026-12-08_14-03-22.png', 2), 'Pixel_8_2026-12-08_14-03-22_2.png');
  });

  it('reads the screenshot folder setting, and warns about one that is not text', () => {
    const warnings: string[] = [];
    assert.deepEqual(readScreenSettings(() => ' shots ', warnings), { screenshotFolder: 'shots' });
    assert.deepEqual(readScreenSettings(() => undefined, warnings), { screenshotFolder: '' });
    assert.deepEqual(warnings, []);
    assert.deepEqual(readScreenSettings(() => 42, warnings), { screenshotFolder: '' });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /androidDeviceWatcher\.screenshotFolder/);
  });
});
