// The getprop parser (detailsFromGetprop in src/poller/getprop.ts): the device details
// the picker shows, from `getprop` output. Its properties under random input: parserProperties.test.ts.

import * as assert from 'node:assert/strict';
import { detailsFromGetprop } from '../../src/poller/getprop';

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

  it('leaves out what is missing or not a number', () => {
    assert.deepEqual(detailsFromGetprop('[ro.build.version.sdk]: [S]\ngarbage'), {});
  });
});
