// The getprop parser (detailsFromGetprop in src/core/adb/getprop.ts): the device details
// the picker shows, from `getprop` output. Its properties under random input: parserProperties.test.ts.

import * as assert from 'node:assert/strict';
import { detailsFromGetprop } from '../../src/core/adb/getprop';

describe('device details from getprop', () => {
  it('reads the properties the picker shows', () => {
    const details = detailsFromGetprop(
      [
        '[ro.build.version.release]: [14]',
        '[ro.build.version.sdk]: [34]',
        '[ro.product.cpu.abi]: [arm64-v8a]',
        '[ro.product.manufacturer]: [Google]',
        '[ro.product.model]: [Pixel 8]',
        '[unrelated.key]: [x]',
      ].join('\n'),
    );
    assert.deepEqual(details, { manufacturer: 'Google', model: 'Pixel 8', androidRelease: '14', sdkLevel: 34, abi: 'arm64-v8a' });
  });

  it('tells an emulator by its AVD, booting until sys.boot_completed is 1', () => {
    const booting = detailsFromGetprop('[ro.boot.qemu.avd_name]: [Pixel_8_API_34]\n[ro.kernel.qemu]: [1]\n[sys.boot_completed]: []\n');
    assert.deepEqual(booting, { avdName: 'Pixel_8_API_34', booting: true });
    const booted = detailsFromGetprop('[ro.kernel.qemu.avd_name]: [Old_API_28]\n[sys.boot_completed]: [1]\n');
    assert.deepEqual(booted, { avdName: 'Old_API_28' });
    // A phone has no AVD and is not an emulator: never "booting", whatever its boot property says.
    assert.deepEqual(detailsFromGetprop('[ro.product.model]: [Pixel 8]\n'), { model: 'Pixel 8' });
  });

  it('leaves out what is missing or not a number', () => {
    assert.deepEqual(detailsFromGetprop('[ro.build.version.sdk]: [S]\ngarbage'), {});
  });
});
