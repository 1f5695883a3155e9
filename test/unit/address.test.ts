// The one `host:port` parser (src/core/address.ts) and its two uses: adb server addresses from
// settings (a bare port means this machine) and device addresses for `adb connect` (a bare host
// means port 5555). Whatever the text, the result is a host and a port, or a named problem.

import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_WIFI_PORT, localServerPort, parseHostPort, parseServerAddress, parseWifiAddress } from '../../src/core/address';

describe('host:port parser', () => {
  it('reads host:port, a name, [v6]:port and IPv4, trimming spaces', () => {
    assert.deepEqual(parseHostPort('127.0.0.1:5037', {}), { host: '127.0.0.1', port: 5037 });
    assert.deepEqual(parseHostPort('  lab-host.local:5038\t', {}), { host: 'lab-host.local', port: 5038 });
    assert.deepEqual(parseHostPort('[::1]:5037', {}), { host: '::1', port: 5037 });
    assert.deepEqual(parseHostPort('[fe80::1:2]:1', {}), { host: 'fe80::1:2', port: 1 });
    assert.deepEqual(parseHostPort('[::ffff:192.168.1.2]:65535', {}), { host: '::ffff:192.168.1.2', port: 65535 });
  });

  it('takes a bare number as the port when a default host is given, otherwise as a host', () => {
    assert.deepEqual(parseHostPort('5037', { host: '127.0.0.1' }), { host: '127.0.0.1', port: 5037 });
    assert.deepEqual(parseHostPort('5037', { port: 5555 }), { host: '5037', port: 5555 });
    assert.deepEqual(parseHostPort('5037', {}), { problem: 'format' });
  });

  it('takes a bare host with the default port, and refuses it without one', () => {
    assert.deepEqual(parseHostPort('192.168.1.20', { port: 5555 }), { host: '192.168.1.20', port: 5555 });
    assert.deepEqual(parseHostPort('[fe80::1]', { port: 5555 }), { host: 'fe80::1', port: 5555 });
    assert.deepEqual(parseHostPort('phone.local', {}), { problem: 'format' });
  });

  it('names the problem: empty, format or port', () => {
    assert.deepEqual(parseHostPort('', {}), { problem: 'empty' });
    assert.deepEqual(parseHostPort('   ', { port: 5555 }), { problem: 'empty' });
    for (const port of ['0', '65536', '70000', '99999']) {
      assert.deepEqual(parseHostPort(`host:${port}`, {}), { problem: 'port' }, port);
      assert.deepEqual(parseHostPort(port, { host: '127.0.0.1' }), { problem: 'port' }, port);
    }
    for (const bad of ['host:', ':5037', 'host:123456', 'host:12ab', 'host:-1', 'a b:1', '::1:5037', '[::1:5037', '[::1]5037', '[zz::1]:5037', '-host:1', 'host:5037:1']) {
      assert.deepEqual(parseHostPort(bad, { port: 5555 }), { problem: 'format' }, bad);
    }
  });

  it('refuses hostile text: shell syntax, control characters, URLs, Markdown, non-ASCII', () => {
    for (const bad of ['; rm -rf /:5037', '$(reboot):5555', '`id`:1', 'host;reboot:5555', 'host\n:5555', 'host\u0000:5555', 'http://host:5555', '[x](command:y):1', 'héllo:5555', 'host:5555 extra']) {
      assert.ok('problem' in parseHostPort(bad, { port: 5555 }), JSON.stringify(bad));
      assert.ok('problem' in parseHostPort(bad, { host: '127.0.0.1' }), JSON.stringify(bad));
    }
  });

  it('never throws, and gives only a host of safe characters and a port from 1 to 65535', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.boolean(), (text, serverLike) => {
        const parsed = parseHostPort(text, serverLike ? { host: '127.0.0.1' } : { port: DEFAULT_WIFI_PORT });
        if ('problem' in parsed) return;
        assert.match(parsed.host, /^[0-9A-Za-z.:-]+$/);
        assert.ok(Number.isInteger(parsed.port) && parsed.port >= 1 && parsed.port <= 65535, String(parsed.port));
      }),
      { numRuns: 500, seed: 20_251_201 },
    );
  });
});

describe('adb server addresses (settings)', () => {
  it('accepts host:port, [v6]:port and a bare port (this machine)', () => {
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

describe('adb servers on this machine', () => {
  it('gives the port of a loopback server only (127.0.0.0/8, ::1, localhost), never of a name it cannot tell is this machine', () => {
    assert.equal(localServerPort('127.0.0.1:5037'), 5037);
    assert.equal(localServerPort('127.1.2.3:5038'), 5038);
    assert.equal(localServerPort('[::1]:5039'), 5039);
    assert.equal(localServerPort('LOCALHOST:5040'), 5040);
    assert.equal(localServerPort('lab-host:5037'), undefined);
    assert.equal(localServerPort('10.0.0.2:5037'), undefined);
    assert.equal(localServerPort('not an address'), undefined);
  });
});

describe('Wi-Fi device addresses (adb connect)', () => {
  it("gives adb's form: host:port, [v6]:port, and port 5555 for a bare host", () => {
    assert.deepEqual(parseWifiAddress('192.168.1.20:5555'), { address: '192.168.1.20:5555' });
    assert.deepEqual(parseWifiAddress(' 192.168.1.20 '), { address: `192.168.1.20:${DEFAULT_WIFI_PORT}` });
    assert.deepEqual(parseWifiAddress('phone.local:40123'), { address: 'phone.local:40123' });
    assert.deepEqual(parseWifiAddress('[fe80::1]:5555'), { address: '[fe80::1]:5555' });
    assert.deepEqual(parseWifiAddress('[fe80::1]'), { address: '[fe80::1]:5555' });
  });

  it('takes a bare number as a host name (adb connect has no default host)', () => {
    assert.deepEqual(parseWifiAddress('5555'), { address: '5555:5555' });
  });

  it('names the problem for empty, malformed, out-of-range and hostile text', () => {
    assert.deepEqual(parseWifiAddress(''), { problem: 'empty' });
    assert.deepEqual(parseWifiAddress('not an address!'), { problem: 'format' });
    assert.deepEqual(parseWifiAddress('192.168.1.20:0'), { problem: 'port' });
    assert.deepEqual(parseWifiAddress('192.168.1.20:65536'), { problem: 'port' });
    assert.deepEqual(parseWifiAddress('host:99999; reboot'), { problem: 'format' });
    assert.deepEqual(parseWifiAddress('fe80::1:5555'), { problem: 'format' });
  });
});
