// Wireless pairing's pure parts (src/pairing/model/wirelessPairing.ts): the QR payload and its escaping
// (inverted by a decoder written here, as a phone reads the Wi-Fi QR format), the secrets, and the
// readers of adb's `host:mdns:check`, `host:mdns:services` and `host:pair` replies, in the formats
// AOSP's adb prints them.

import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  connectedInstanceOf,
  isConnectServiceOf,
  MdnsService,
  mdnsNotBuiltMessage,
  newPairingSecrets,
  PAIR_REPLY,
  PAIRING_NAME_PREFIX,
  PAIRING_NAME_RANDOM_LENGTH,
  PAIRING_PASSWORD_LENGTH,
  pairingUnsupportedMessage,
  pairNoAnswerMessage,
  parseMdnsCheck,
  parseMdnsServices,
  parsePairReply,
  qrPairingPayload,
  samePhoneInstance,
} from '../../src/pairing/model/wirelessPairing';
import { isUnknownHostService } from '../../src/core/adb/adbServerClient';

const RUNS = { numRuns: 300, seed: 20_250_611 };
/** Any text, and text made of what the reply's lines are made of. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.array(fc.oneof(fc.constantFrom('\t', '\n', '\r', ' ', ':', '[', ']', '.', '_adb._tcp', '10.0.0.1', '::1', '5555'), fc.string({ maxLength: 4 })), { maxLength: 80 }).map((parts) => parts.join('')),
);

/** Reads `WIFI:T:ADB;S:name;P:password;;` as a phone does: fields end at an unescaped `;`, `\x` is `x`. */
function decodePayload(payload: string): { type: string; name: string; password: string } {
  assert.ok(payload.startsWith('WIFI:') && payload.endsWith(';;'), payload);
  const fields = new Map<string, string>();
  let key = '';
  let value = '';
  let inKey = true;
  for (let i = 'WIFI:'.length; i < payload.length - 1; i++) {
    const c = payload[i];
    if (c === '\\' && !inKey) {
      value += payload[++i];
    } else if (inKey && c === ':') {
      inKey = false;
    } else if (!inKey && c === ';') {
      assert.ok(!fields.has(key), `field ${key} twice in ${payload}`);
      fields.set(key, value);
      [key, value, inKey] = ['', '', true];
    } else if (inKey) {
      key += c;
    } else {
      value += c;
    }
  }
  assert.equal(key + value, '', `unterminated field in ${payload}`);
  assert.deepEqual([...fields.keys()], ['T', 'S', 'P'], payload);
  return { type: fields.get('T')!, name: fields.get('S')!, password: fields.get('P')! };
}

describe('wireless pairing: QR payload and secrets', () => {
  it("is Android Studio's payload, with the Wi-Fi QR format's escapes", () => {
    assert.equal(qrPairingPayload('studio-abc', 'pw123'), 'WIFI:T:ADB;S:studio-abc;P:pw123;;');
    assert.equal(qrPairingPayload('a;b', 'c:d'), 'WIFI:T:ADB;S:a\\;b;P:c\\:d;;');
    assert.equal(qrPairingPayload('back\\slash', 'comma,"quote"'), 'WIFI:T:ADB;S:back\\\\slash;P:comma\\,\\"quote\\";;');
    assert.equal(qrPairingPayload(';;', '\\'), 'WIFI:T:ADB;S:\\;\\;;P:\\\\;;');
  });

  it('decodes back to the name and password, whatever they contain', () => {
    const special = fc.constantFrom('\\', ';', ',', ':', '"', ' ', 'S:', 'P:', ';;', 'é', '📱');
    const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.array(fc.oneof(special, fc.string({ maxLength: 3 })), { maxLength: 12 }).map((parts) => parts.join('')));
    fc.assert(
      fc.property(text, text, (name, password) => {
        assert.deepEqual(decodePayload(qrPairingPayload(name, password)), { type: 'ADB', name, password });
      }),
      RUNS,
    );
  });

  it('makes a name and a password of letters and digits, different each time', () => {
    const first = newPairingSecrets();
    const second = newPairingSecrets();
    assert.match(first.name, new RegExp(`^${PAIRING_NAME_PREFIX}[A-Za-z0-9]{${PAIRING_NAME_RANDOM_LENGTH}}$`));
    assert.match(first.password, new RegExp(`^[A-Za-z0-9]{${PAIRING_PASSWORD_LENGTH}}$`));
    assert.notEqual(first.name, second.name);
    assert.notEqual(first.password, second.password);
    // Nothing to escape: the payload carries them as they are.
    assert.equal(qrPairingPayload(first.name, first.password), `WIFI:T:ADB;S:${first.name};P:${first.password};;`);
  });

  it('draws every letter and digit, and nothing else', () => {
    const seen = new Set(Array.from({ length: 200 }, () => newPairingSecrets().password).join(''));
    assert.equal(seen.size, 62, [...seen].sort().join(''));
  });
});

describe('wireless pairing: adb replies', () => {
  it('reads mdns check: a daemon version runs, an ERROR is off, an empty answer is a build without mDNS', () => {
    assert.deepEqual(parseMdnsCheck('mdns daemon version [Openscreen discovery 0.0.0]'), { discovery: 'running', message: 'mdns daemon version [Openscreen discovery 0.0.0]' });
    assert.deepEqual(parseMdnsCheck('mdns daemon version [13103]\n'), { discovery: 'running', message: 'mdns daemon version [13103]' });
    assert.deepEqual(parseMdnsCheck('ERROR: mdns daemon unavailable'), { discovery: 'off', message: 'ERROR: mdns daemon unavailable' });
    assert.deepEqual(parseMdnsCheck('ERROR: mdns discovery disabled'), { discovery: 'off', message: 'ERROR: mdns discovery disabled' });
    // Debian's adb 34.0.5 (measured): OKAY and nothing.
    assert.deepEqual(parseMdnsCheck(''), { discovery: 'not-built', message: '' });
    assert.deepEqual(parseMdnsCheck('\n'), { discovery: 'not-built', message: '' });
    assert.match(mdnsNotBuiltMessage('127.0.0.1:5037'), /127\.0\.0\.1:5037 was built without mDNS discovery.*Linux distributions.*pairing with a code/);
  });

  it('reads mdns services: IPv4, IPv6 bracketed or bare, spaces and tabs in names, trailing dots, unknown types', () => {
    const reply = [
      'adb-939AX05XBZ-vWgJpq\t_adb-tls-connect._tcp\t192.168.1.86:39149',
      'studio-Ab3;x\t_adb-tls-pairing._tcp.\t192.168.1.86:37313',
      'Pixel 8 of Ann\t_adb._tcp\t[fe80::1]:5555',
      'tab\tin name\t_adb-tls-pairing._tcp\tfe80::2:37000',
      'printer\t_ipp._tcp\t10.0.0.9:631',
      '',
    ].join('\n');
    const { services, skipped } = parseMdnsServices(reply);
    assert.deepEqual(skipped, []);
    assert.deepEqual(services, [
      { instance: 'adb-939AX05XBZ-vWgJpq', type: '_adb-tls-connect._tcp', host: '192.168.1.86', port: 39149, address: '192.168.1.86:39149' },
      { instance: 'studio-Ab3;x', type: '_adb-tls-pairing._tcp', host: '192.168.1.86', port: 37313, address: '192.168.1.86:37313' },
      { instance: 'Pixel 8 of Ann', type: '_adb._tcp', host: 'fe80::1', port: 5555, address: '[fe80::1]:5555' },
      { instance: 'tab\tin name', type: '_adb-tls-pairing._tcp', host: 'fe80::2', port: 37000, address: '[fe80::2]:37000' },
      { instance: 'printer', type: '_ipp._tcp', host: '10.0.0.9', port: 631, address: '10.0.0.9:631' },
    ]);
  });

  it('skips lines it cannot read and gives them back; an empty reply is no service', () => {
    assert.deepEqual(parseMdnsServices(''), { services: [], skipped: [] });
    assert.deepEqual(parseMdnsServices('\n\n'), { services: [], skipped: [] });
    const garbage = [
      'List of discovered mdns services',
      'only\ttwo',
      'no-v4-address\t_adb-tls-connect._tcp\t:37539',
      'bad-port\t_adb._tcp\t10.0.0.1:99999',
      'no-port\t_adb._tcp\t10.0.0.1',
      '\t_adb._tcp\t10.0.0.1:5555',
      'no-type\t\t10.0.0.1:5555',
    ];
    const { services, skipped } = parseMdnsServices([...garbage, 'good\t_adb._tcp\t10.0.0.2:5555'].join('\n'));
    assert.deepEqual(skipped, garbage);
    assert.deepEqual(
      services.map((s) => s.instance),
      ['good'],
    );
  });

  it('reads back the services it is given, one line each as adb prints them', () => {
    const record: fc.Arbitrary<MdnsService & { printed: string; dot: boolean }> = fc
      .record({
        instance: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((s) => !s.includes('\n')),
        type: fc.oneof(fc.constantFrom('_adb-tls-pairing._tcp', '_adb-tls-connect._tcp', '_adb._tcp'), fc.stringMatching(/^_[a-z][a-z0-9-]{0,14}\._(tcp|udp)$/)),
        dot: fc.boolean(),
        bracketed: fc.boolean(),
        ip: fc.oneof(fc.ipV4(), fc.ipV6()),
        port: fc.integer({ min: 1, max: 65535 }),
      })
      .map(({ instance, type, dot, ip, bracketed, port }) => {
        const v6 = ip.includes(':');
        const printed = v6 && bracketed ? `[${ip}]:${port}` : `${ip}:${port}`;
        return { instance, type, host: ip, port, address: v6 ? `[${ip}]:${port}` : printed, printed, dot };
      });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 12 }), (records) => {
        const text = records.map((r) => `${r.instance}\t${r.type}${r.dot ? '.' : ''}\t${r.printed}\n`).join('');
        const { services, skipped } = parseMdnsServices(text);
        assert.deepEqual(skipped, []);
        assert.deepEqual(
          services,
          records.map(({ instance, type, host, port, address }) => ({ instance, type, host, port, address })),
        );
      }),
      RUNS,
    );
  });

  it('never throws on any text, and gives back every line it skipped', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const { services, skipped } = parseMdnsServices(text);
        assert.equal(services.length + skipped.length, text.split('\n').filter((line) => line.length > 0).length);
      }),
      RUNS,
    );
  });

  it('reads the pair reply: the guid on success, the reason of a failure', () => {
    assert.deepEqual(parsePairReply('Successfully paired to 192.168.1.86:41915 [guid=adb-939AX05XBZ-vWgJpq]'), {
      ok: true,
      guid: 'adb-939AX05XBZ-vWgJpq',
      message: 'Successfully paired to 192.168.1.86:41915 [guid=adb-939AX05XBZ-vWgJpq]',
    });
    assert.equal(parsePairReply('Successfully paired to [fe80::1]:41915 [guid=g]\n').ok, true);
    assert.deepEqual(parsePairReply('Failed: Wrong password or connection was dropped.'), { ok: false, reason: 'wrong-password', message: PAIR_REPLY.wrongPassword });
    assert.deepEqual(parsePairReply('Failed: Unable to start pairing client.'), { ok: false, reason: 'no-pairing-client', message: PAIR_REPLY.noPairingClient });
    assert.deepEqual(parsePairReply('Failed: unable to create pairing client.'), { ok: false, reason: 'no-pairing-client', message: PAIR_REPLY.noPairingClientCreated });
    assert.deepEqual(parsePairReply('Invalid port while parsing address [adb-XYZ._adb-tls-pairing._tcp]'), {
      ok: false,
      reason: 'invalid-address',
      message: 'Invalid port while parsing address [adb-XYZ._adb-tls-pairing._tcp]',
    });
    const silent = pairNoAnswerMessage('192.168.1.86:37313', 20_000);
    assert.match(silent, /^No answer from the phone at 192\.168\.1\.86:37313 within 20 s/);
    assert.deepEqual(parsePairReply(silent), { ok: false, reason: 'no-answer', message: silent });
    for (const other of ['Failed to parse address for pairing: bad', 'Failed: Successfully paired but server returned unknown response=\u0003', '']) {
      assert.deepEqual(parsePairReply(other), { ok: false, reason: 'other', message: other }, other);
    }
  });

  it("tells an older server's refusal apart, and says what it needs", () => {
    assert.equal(isUnknownHostService('unknown host service'), true);
    assert.equal(isUnknownHostService("Failure: 'unknown host service'"), true);
    assert.equal(isUnknownHostService('device offline'), false);
    assert.equal(isUnknownHostService(PAIR_REPLY.wrongPassword), false);
    assert.match(pairingUnsupportedMessage('127.0.0.1:5037', 'host:pair'), /127\.0\.0\.1:5037.*host:pair.*30\.0\.0/);
  });
});

describe('wireless pairing: which listed device a connect service is', () => {
  const service = { instance: 'adb-939AX05XBZ-vWgJpq', address: '192.168.1.86:39149' };

  it('reads the instance out of every serial adb gives a device it connected by mDNS', () => {
    for (const serial of [
      'adb-939AX05XBZ-vWgJpq._adb-tls-connect._tcp',
      // The mDNSResponder backend (macOS's usual one) keeps DNS's trailing dot.
      'adb-939AX05XBZ-vWgJpq._adb-tls-connect._tcp.',
      'adb-939AX05XBZ-vWgJpq._adb-tls-connect._tcp.local',
      'adb-939AX05XBZ-vWgJpq._adb-tls-connect._tcp.local.',
    ]) {
      assert.equal(connectedInstanceOf(serial), 'adb-939AX05XBZ-vWgJpq', serial);
    }
    assert.equal(connectedInstanceOf('adb-939AX05XBZ-vWgJpq (2)._adb-tls-connect._tcp.'), 'adb-939AX05XBZ-vWgJpq (2)');
    for (const serial of ['192.168.1.86:39149', 'emulator-5554', 'R58M123ABC', 'adb-X._adb._tcp', '_adb-tls-connect._tcp', 'adb-X._adb-tls-connect._tcp.extra']) {
      assert.equal(connectedInstanceOf(serial), undefined, serial);
    }
  });

  it('tells a phone renamed after an mDNS name clash from another phone', () => {
    assert.ok(samePhoneInstance('adb-939AX05XBZ-vWgJpq', 'adb-939AX05XBZ-vWgJpq (2)'));
    assert.ok(samePhoneInstance('adb-939AX05XBZ-vWgJpq (3)', 'adb-939AX05XBZ-vWgJpq (2)'));
    assert.ok(!samePhoneInstance('adb-939AX05XBZ-vWgJpq', 'adb-939AX05XBZ-vWgJpX'));
    assert.ok(!samePhoneInstance('adb-939AX05XBZ-vWgJpq', 'adb-939AX05XBZ-vWgJpq(2)'));
    assert.ok(!samePhoneInstance('adb-939AX05XBZ-vWgJpq', 'adb-939AX05XBZ-vWgJpq (two)'));
  });

  it('matches a service to the device by its address or by any form of its name, and to nothing else', () => {
    for (const serial of [
      '192.168.1.86:39149',
      'adb-939AX05XBZ-vWgJpq._adb-tls-connect._tcp',
      'adb-939AX05XBZ-vWgJpq._adb-tls-connect._tcp.',
      'adb-939AX05XBZ-vWgJpq (2)._adb-tls-connect._tcp',
      'adb-939AX05XBZ-vWgJpq (2)._adb-tls-connect._tcp.',
    ]) {
      assert.ok(isConnectServiceOf(service, serial), serial);
      assert.ok(isConnectServiceOf({ ...service, instance: 'adb-939AX05XBZ-vWgJpq (2)' }, serial), `renamed service, ${serial}`);
    }
    for (const serial of ['192.168.1.86:39150', 'adb-939AX05XBZ-other._adb-tls-connect._tcp.', 'adb-939AX05XBZ-vWgJpq', 'adb-939AX05XBZ-vWgJpq._adb-tls-pairing._tcp']) {
      assert.ok(!isConnectServiceOf(service, serial), serial);
    }
    assert.ok(!isConnectServiceOf({ instance: service.instance }, '192.168.1.86:39149'), 'no address known: by name only');
  });
});
