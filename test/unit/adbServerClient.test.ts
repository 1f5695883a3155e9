import * as assert from 'node:assert/strict';
import { detailsFromGetprop } from '../../src/poller/getprop';
import { parseServerAddress } from '../../src/shared/address';

describe('adb server addresses', () => {
  it('accepts host:port, [v6]:port and a bare port', () => {
    assert.deepEqual(parseServerAddress('127.0.0.1:5037'), { host: '127.0.0.1', port: 5037 });
    assert.deepEqual(parseServerAddress(' lab-host.local:5038 '), { host: 'lab-host.local', port: 5038 });
    assert.deepEqual(parseServerAddress('[::1]:5037'), { host: '::1', port: 5037 });
    assert.deepEqual(parseServerAddress('5037'), { host: '127.0.0.1', port: 5037 });
  });

  it('rejects malformed addresses', () => {
    for (const bad of ['', 'host', 'host:', 'host:0', 'host:70000', 'a b:1', 'host:12ab', '; rm -rf /:5037']) {
      assert.equal(parseServerAddress(bad), undefined, bad);
    }
  });
});

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
