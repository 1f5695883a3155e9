// Property tests (fast-check) for the two parsers that read what an adb server or a device sends:
// the device list (`host:devices-l` / `host:track-devices-l`) and `getprop` output. Random and
// mutated input never makes them throw, stall, or give more than they were given; well-formed
// input round-trips exactly. Seeds are fixed so that a failure reproduces; fast-check prints the
// shrunk counterexample.

import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { detailsFromGetprop, MAX_DETAIL_LENGTH } from '../../src/core/adb/getprop';
import { connectionKindOf, MAX_DEVICES_PER_SERVER, parseDeviceLine, parseDeviceList, readDeviceList } from '../../src/devices/worker/deviceList';
import { Device, DeviceDetails } from '../../src/core/types';

const SERVER = '127.0.0.1:5037';
const RUNS = { numRuns: 300, seed: 20_251_125 };
/** A linear parser does a 16 KB line in well under 1 ms; the quadratic one took 450 ms. */
const SLOW_MS = 100;

// Input as it may arrive: any UTF-16 code units (lone surrogates too), and the characters that
// stress the patterns (whitespace of every kind, line terminators, brackets, colons).
const NASTY = ['\n', '\r', '\t', ' ', '\u00a0', '\u2028', '\u2029', '\ufeff', '\u0000', '\u001b', ':', '[', ']', '$(', '`', ';', '"', "'", 'device', 'transport_id:', 'no permissions', 'model:', '📱'];
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 2000 }),
  fc.array(fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 8 })), { maxLength: 600 }).map((parts) => parts.join('')),
);

// A serial as adb may print it: anything without whitespace or control characters.
// eslint-disable-next-line no-control-regex -- looking for control characters
const WHITESPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f]/;
const serialArb = fc.oneof(
  fc.integer({ min: 5554, max: 5682 }).map((port) => `emulator-${port}`),
  fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 })).map(([ip, port]) => `${ip}:${port}`),
  fc.stringMatching(/^[A-Za-z0-9]{6,20}$/),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((s) => !WHITESPACE_OR_CONTROL.test(s)),
  fc.constantFrom(';rm -rf /'.replace(/ /g, '${IFS}'), '$(reboot)', '`reboot`', '"\'', '<img/src=x>', '[x](command:y)', 'a:b:c'),
);
const oneWordState = fc.oneof(
  fc.constantFrom('device', 'offline', 'unauthorized', 'authorizing', 'connecting', 'recovery', 'sideload', 'bootloader', 'rescue', 'host'),
  // Unknown states are kept verbatim.
  fc.stringMatching(/^[a-z][a-z-]{0,15}$/).filter((s) => s !== 'no'),
);
const valueArb = fc.string({ unit: 'grapheme', maxLength: 30 }).filter((s) => !WHITESPACE_OR_CONTROL.test(s));
const explanationWord = fc.stringMatching(/^[A-Za-z0-9();.[\]/?-]{1,12}$/);

interface LineSpec {
  serial: string;
  state: string;
  explanation: string[];
  fields: { usb?: string; product?: string; model?: string; device?: string; transport_id?: string };
}

const lineSpec: fc.Arbitrary<LineSpec> = fc.record({
  serial: serialArb,
  state: fc.oneof(oneWordState, fc.constant('no permissions')),
  explanation: fc.array(explanationWord, { maxLength: 6 }),
  fields: fc.record(
    {
      usb: valueArb,
      product: valueArb,
      model: valueArb,
      device: valueArb,
      transport_id: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
    },
    { requiredKeys: [] },
  ),
});

function formatLine(spec: LineSpec): string {
  const fields = Object.entries(spec.fields).map(([key, value]) => `${key}:${value}`);
  return [`${spec.serial}\t${spec.state}`, ...spec.explanation, ...fields].join(' ');
}

function expectedDevice(spec: LineSpec): Device {
  const device: Device = { id: `${SERVER}/${spec.serial}`, server: SERVER, serial: spec.serial, state: spec.state, connection: connectionKindOf(spec.serial) };
  const { usb, product, model, device: deviceName, transport_id: transportId } = spec.fields;
  if (usb !== undefined) device.usb = usb;
  if (product !== undefined) device.product = product;
  if (model !== undefined) device.model = model;
  if (deviceName !== undefined) device.device = deviceName;
  if (transportId !== undefined) device.transportId = transportId;
  if (spec.explanation.length > 0) device.stateDetail = spec.explanation.join(' ');
  return device;
}

/** Random damage to well-formed text: insertions of nasty pieces, deletions, truncation. */
function mutated(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const edit = fc.record({ at: fc.nat(), remove: fc.nat({ max: 20 }), insert: fc.oneof(fc.constantFrom(...NASTY), fc.string({ unit: 'binary', maxLength: 10 })) });
  return fc.tuple(base, fc.array(edit, { minLength: 1, maxLength: 30 })).map(([text, edits]) => {
    let result = text;
    for (const { at, remove, insert } of edits) {
      const position = result.length === 0 ? 0 : at % (result.length + 1);
      result = result.slice(0, position) + insert + result.slice(position + remove);
    }
    return result;
  });
}

function timed<T>(work: () => T): { result: T; ms: number } {
  const started = performance.now();
  const result = work();
  return { result, ms: performance.now() - started };
}

/** Every string a device carries, each of which must be a piece of the input. */
function strings(device: Device): string[] {
  return [device.serial, device.state, device.usb, device.product, device.model, device.device, device.transportId, device.stateDetail].filter(
    (value): value is string => value !== undefined,
  );
}

function assertSaneList(text: string, devices: Device[]): void {
  assert.ok(devices.length <= MAX_DEVICES_PER_SERVER);
  assert.ok(devices.length <= text.split('\n').length);
  const ids = new Set<string>();
  for (const device of devices) {
    assert.ok(device.serial.length > 0 && !WHITESPACE_OR_CONTROL.test(device.serial), JSON.stringify(device.serial));
    assert.ok(!ids.has(device.id), 'one entry per id');
    ids.add(device.id);
    const twins = devices.filter((other) => other.serial === device.serial).length;
    assert.equal(device.sharesSerial, twins > 1 ? true : undefined);
    assert.equal(device.id, device.sharesSerial && device.transportId !== undefined ? `${SERVER}/${device.serial}/t${device.transportId}` : `${SERVER}/${device.serial}`);
    assert.ok(device.transportId === undefined || /^\d+$/.test(device.transportId));
    for (const value of strings(device)) {
      assert.ok(value.length <= 16 * 1024, 'no field longer than a line may be');
      // stateDetail is words re-joined with single spaces; every other field is a verbatim slice.
      if (value !== device.stateDetail) assert.ok(text.includes(value), `${JSON.stringify(value)} is not from the input`);
    }
  }
}

function assertSaneDetails(details: DeviceDetails): void {
  const allowed = ['manufacturer', 'model', 'androidRelease', 'sdkLevel', 'abi'];
  for (const [key, value] of Object.entries(details)) {
    assert.ok(allowed.includes(key), key);
    if (key === 'sdkLevel') assert.ok(Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= 999_999, String(value));
    else assert.ok(typeof value === 'string' && value.length > 0 && value.length <= MAX_DETAIL_LENGTH && !value.includes('\n'), JSON.stringify(value));
  }
}

describe('device list parser: properties', () => {
  it('never throws on random text, and gives only devices made of pieces of it', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        assertSaneList(text, parseDeviceList(SERVER, text));
      }),
      RUNS,
    );
  });

  it('never throws on damaged well-formed lists', () => {
    const wellFormed = fc.array(lineSpec, { maxLength: 20 }).map((specs) => specs.map(formatLine).join('\n'));
    fc.assert(
      fc.property(mutated(wellFormed), (text) => {
        assertSaneList(text, parseDeviceList(SERVER, text));
      }),
      RUNS,
    );
  });

  it('round-trips every well-formed line exactly', () => {
    fc.assert(
      fc.property(lineSpec, fc.constantFrom('', '\r'), (spec, ending) => {
        assert.deepEqual(parseDeviceLine(SERVER, formatLine(spec) + ending), expectedDevice(spec));
      }),
      RUNS,
    );
  });

  it('round-trips a well-formed list: one device per serial and transport id, the last line winning, in order of first appearance', () => {
    fc.assert(
      fc.property(fc.array(lineSpec, { maxLength: 30 }), fc.constantFrom('\n', '\r\n'), (specs, newline) => {
        const text = specs.map(formatLine).join(newline) + newline;
        const last = new Map<string, LineSpec>();
        for (const spec of specs) last.set(`${spec.serial} ${spec.fields.transport_id ?? ''}`, spec);
        const expected = [...last.values()].map(expectedDevice);
        // Twins (one serial, told apart by transport id) carry the transport id in their ids.
        for (const device of expected) {
          if (expected.filter((other) => other.serial === device.serial).length < 2) continue;
          device.sharesSerial = true;
          if (device.transportId !== undefined) device.id = `${SERVER}/${device.serial}/t${device.transportId}`;
        }
        assert.deepEqual(parseDeviceList(SERVER, text), expected);
      }),
      RUNS,
    );
  });

  it('keeps at most MAX_DEVICES_PER_SERVER devices, and counts the rest', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 * MAX_DEVICES_PER_SERVER }), (count) => {
        const text = Array.from({ length: count }, (_, i) => `s${i}\toffline`).join('\n');
        const report = readDeviceList(SERVER, text);
        assert.equal(report.devices.length, Math.min(count, MAX_DEVICES_PER_SERVER));
        assert.equal(report.droppedDevices, Math.max(0, count - MAX_DEVICES_PER_SERVER));
        assert.equal(report.ignoredLines, 0);
      }),
      { ...RUNS, numRuns: 50 },
    );
  });

  it('drops a serial with control characters, and a line past 16 KB, as ignored lines', () => {
    fc.assert(
      fc.property(serialArb, fc.integer({ min: 0, max: 0x1f }), fc.nat(), (serial, code, at) => {
        const position = at % (serial.length + 1);
        const bad = serial.slice(0, position) + String.fromCharCode(code === 9 || code === 10 || code === 13 || code === 11 || code === 12 ? 0 : code) + serial.slice(position);
        const report = readDeviceList(SERVER, `${bad}\tdevice\n${'x'.repeat(16 * 1024)}\tdevice\n`);
        assert.deepEqual(report, { devices: [], ignoredLines: 2, droppedDevices: 0 });
      }),
      RUNS,
    );
  });

  it('parses any 16 KB line in linear time (no pattern backtracks on whitespace or line terminators)', () => {
    const adversarial = fc
      .tuple(
        fc.array(fc.constantFrom(' ', '\t', '\r', '\u2028', '\u00a0', 'a', ':', 'k:', 'device', 'no permissions'), { minLength: 1, maxLength: 20 }),
        fc.constantFrom('', 'x\r', 'x\u2028y', '\u2029'),
      )
      .map(([pattern, tail]) => {
        const unit = pattern.join('');
        return `s ${unit.repeat(Math.floor((16 * 1024 - 10) / unit.length))}${tail}`;
      });
    let slowest = 0;
    fc.assert(
      fc.property(adversarial, (line) => {
        const { ms } = timed(() => parseDeviceLine(SERVER, line));
        slowest = Math.max(slowest, ms);
        assert.ok(ms < SLOW_MS, `${ms.toFixed(1)} ms for ${JSON.stringify(line.slice(0, 40))}...`);
      }),
      { ...RUNS, numRuns: 100 },
    );
    assert.ok(slowest < SLOW_MS);
  });
});

describe('getprop parser: properties', () => {
  const WANTED: Record<string, 'manufacturer' | 'model' | 'androidRelease' | 'sdkLevel' | 'abi'> = {
    'ro.product.manufacturer': 'manufacturer',
    'ro.product.model': 'model',
    'ro.build.version.release': 'androidRelease',
    'ro.build.version.sdk': 'sdkLevel',
    'ro.product.cpu.abi': 'abi',
  };
  // A property value: one line, anything else (brackets, markup, unicode, lone surrogates).
  const propValue = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.constantFrom('$(zap)', '<img src=x onerror=alert(1)>', '**bold**', '[link](command:workbench.action.quit)', 'Foo [bar]', '[]', ']'),
  ).filter((value) => !value.includes('\n'));
  const otherProps = fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9._]{0,30}$/), propValue, { maxKeys: 30 });

  it('never throws on random or damaged output, and gives only the five details, bounded', () => {
    const wellFormed = otherProps.map((props) => Object.entries(props).map(([k, v]) => `[${k}]: [${v}]`).join('\n'));
    fc.assert(
      fc.property(fc.oneof(anyText, mutated(wellFormed)), (text) => {
        assertSaneDetails(detailsFromGetprop(text));
      }),
      RUNS,
    );
  });

  it('round-trips the five properties from a getprop listing, among others, in any order', () => {
    const wanted = fc.record(
      {
        'ro.product.manufacturer': propValue,
        'ro.product.model': propValue,
        'ro.build.version.release': propValue,
        'ro.build.version.sdk': fc.oneof(fc.nat({ max: 999_999 }).map(String), propValue),
        'ro.product.cpu.abi': propValue,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(wanted, otherProps, fc.constantFrom('\n', '\r\n'), fc.boolean(), (props, others, newline, sorted) => {
        const all: [string, string][] = [...Object.entries(others).filter(([k]) => !(k in WANTED)), ...Object.entries(props)];
        if (sorted) all.sort(([a], [b]) => a.localeCompare(b));
        const text = all.map(([k, v]) => `[${k}]: [${v}]`).join(newline) + newline;
        const expected: DeviceDetails = {};
        for (const [name, value] of Object.entries(props)) {
          const key = WANTED[name];
          if (key === 'sdkLevel') {
            if (/^\d{1,6}$/.test(value)) expected.sdkLevel = Number(value);
          } else if (value.length > 0) {
            // The value runs to the line's last `]`: brackets and a trailing \r inside it are kept.
            expected[key] = value.slice(0, MAX_DETAIL_LENGTH);
          }
        }
        assert.deepEqual(detailsFromGetprop(text), expected);
      }),
      RUNS,
    );
  });

  it('parses a megabyte of adversarial output in linear time', () => {
    const adversarial = fc
      .array(fc.constantFrom('[', ']', ': [', '[ro.', '[ro.product.model]: [', 'a', '\r', '\n', '\u2028'), { minLength: 1, maxLength: 12 })
      .map((pattern) => pattern.join('').repeat(Math.ceil((1024 * 1024) / pattern.join('').length)));
    fc.assert(
      fc.property(adversarial, (text) => {
        const { result, ms } = timed(() => detailsFromGetprop(text));
        assertSaneDetails(result);
        assert.ok(ms < 20 * SLOW_MS, `${ms.toFixed(1)} ms for ${JSON.stringify(text.slice(0, 40))}...`);
      }),
      { ...RUNS, numRuns: 30 },
    );
  });
});
