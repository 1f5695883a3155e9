// Settings validation (src/devices/model/settings.ts, with the emulator capability's
// src/emulators/model/emulatorSettings.ts read after them as the settings sync does), exhaustively: every setting given every wrong type,
// out-of-range and edge values gets a warning that names it and a sane fallback, and never throws.

import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { defaultServer, readSettings, SettingReader, WatcherSettings as DeviceSettings } from '../../src/devices/model/settings';
import { EmulatorSettings, readEmulatorSettings } from '../../src/emulators/model/emulatorSettings';

type WatcherSettings = DeviceSettings & EmulatorSettings;
type Values = Partial<Record<keyof WatcherSettings, unknown>>;

const ENV = { ANDROID_ADB_SERVER_PORT: '5038' };
const DEFAULTS: WatcherSettings = {
  adbPath: '',
  adbServers: ['127.0.0.1:5038'],
  pollIntervalMs: 1000,
  stopDeadlineMs: 2000,
  startAdbServer: true,
  notifyOnDisconnect: true,
  setAndroidSerial: true,
  emulatorPath: '',
  emulatorArgs: [],
  emulatorBootTimeoutSeconds: 300,
};

/** Every setting, in the order the settings sync reads them: the watcher's, then the capabilities'. */
function read(values: Values, env: NodeJS.ProcessEnv = ENV): { settings: WatcherSettings; warnings: string[] } {
  const reader: SettingReader = (key) => values[key as keyof WatcherSettings];
  const { settings, warnings } = readSettings(reader, env);
  return { settings: { ...settings, ...readEmulatorSettings(reader, warnings) }, warnings };
}

/** Values of every JSON type (what a settings.json can hold), none of them the right one for `kind`. */
const WRONG_TYPES: Record<'string' | 'number' | 'boolean' | 'array', unknown[]> = {
  string: [0, 1.5, -1, true, false, [], ['/usr/bin/adb'], {}, { path: '/usr/bin/adb' }],
  number: ['1000', '', 'fast', true, false, [], [1000], {}, { value: 1000 }],
  boolean: ['true', 'false', '', 0, 1, [], [true], {}, { value: true }],
  array: ['127.0.0.1:5037', '', 5037, true, {}, { 0: '127.0.0.1:5037' }],
};

describe('settings validation', () => {
  it('gives the defaults, and no warning, when nothing is set (undefined or null)', () => {
    assert.deepEqual(read({}), { settings: DEFAULTS, warnings: [] });
    const allNull: Values = Object.fromEntries(Object.keys(DEFAULTS).map((key) => [key, null]));
    assert.deepEqual(read(allNull), { settings: DEFAULTS, warnings: [] });
  });

  it('keeps every valid value as given', () => {
    const values: WatcherSettings = {
      adbPath: '/opt/android/platform-tools/adb',
      adbServers: ['127.0.0.1:5037', 'lab-host.local:5038', '[::1]:5039'],
      pollIntervalMs: 250,
      stopDeadlineMs: 30_000,
      startAdbServer: false,
      notifyOnDisconnect: false,
      setAndroidSerial: false,
      emulatorPath: '~/Android/Sdk/emulator/emulator',
      emulatorArgs: ['-no-audio', '-gpu', 'host', '-feature', '-Vulkan'],
      emulatorBootTimeoutSeconds: 600,
    };
    assert.deepEqual(read(values), { settings: values, warnings: [] });
  });

  const booleans = ['startAdbServer', 'notifyOnDisconnect', 'setAndroidSerial'] as const;
  for (const key of booleans) {
    it(`${key}: anything but true / false is warned about and falls back to ${DEFAULTS[key]}`, () => {
      for (const value of WRONG_TYPES.boolean) {
        const { settings, warnings } = read({ [key]: value });
        assert.equal(settings[key], DEFAULTS[key], JSON.stringify(value));
        assert.deepEqual(warnings, [`androidDeviceWatcher.${key}: ${JSON.stringify(value)} is not true or false; using ${DEFAULTS[key]}`]);
      }
    });
  }

  const integers = [
    { key: 'pollIntervalMs', min: 250, max: 60_000 },
    { key: 'stopDeadlineMs', min: 100, max: 30_000 },
    { key: 'emulatorBootTimeoutSeconds', min: 10, max: 3600 },
  ] as const;
  for (const { key, min, max } of integers) {
    it(`${key}: wrong types, fractions, NaN, infinities and values outside ${min}..${max} fall back to ${DEFAULTS[key]}`, () => {
      const bad = [...WRONG_TYPES.number, min - 1, max + 1, 0, -min, min + 0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MAX_VALUE, -0.1];
      for (const value of bad) {
        const { settings, warnings } = read({ [key]: value });
        assert.equal(settings[key], DEFAULTS[key], String(value));
        assert.equal(warnings.length, 1, String(value));
        assert.ok(warnings[0].startsWith(`androidDeviceWatcher.${key}: `), warnings[0]);
        assert.ok(warnings[0].endsWith(`is not a whole number from ${min} to ${max}; using ${DEFAULTS[key]}`), warnings[0]);
      }
      for (const value of [min, max, Math.round((min + max) / 2)]) {
        assert.deepEqual(read({ [key]: value }), { settings: { ...DEFAULTS, [key]: value }, warnings: [] });
      }
    });

    it(`${key}: any number at all gives a value in range (property)`, () => {
      fc.assert(
        fc.property(fc.oneof(fc.double(), fc.integer()), (value) => {
          const { settings, warnings } = read({ [key]: value });
          assert.ok(Number.isInteger(settings[key]) && settings[key] >= min && settings[key] <= max);
          assert.equal(warnings.length, Number.isInteger(value) && value >= min && value <= max ? 0 : 1);
        }),
        { numRuns: 500, seed: 7 },
      );
    });
  }

  it('adbPath: a wrong type, a relative path or a bare name is warned about; adb is then looked for in the SDK and on PATH', () => {
    for (const value of WRONG_TYPES.string) {
      const { settings, warnings } = read({ adbPath: value });
      assert.equal(settings.adbPath, '');
      assert.deepEqual(warnings, [`androidDeviceWatcher.adbPath: ${JSON.stringify(value)} is not a path; looking for adb in the Android SDK and on PATH`]);
    }
    for (const value of ['adb', './adb', 'platform-tools/adb', '~user/adb', '$HOME/adb', ' /usr/bin/adb', 'C:adb']) {
      const { settings, warnings } = read({ adbPath: value });
      assert.equal(settings.adbPath, '', value);
      assert.deepEqual(warnings, [`androidDeviceWatcher.adbPath: "${value}" is not an absolute path; looking for adb in the Android SDK and on PATH`]);
    }
    assert.deepEqual(read({ adbPath: '' }), { settings: DEFAULTS, warnings: [] });
    // An absolute path is kept as given, odd characters included: it is only ever an argv[0], never shell text.
    // `~` is the home folder, expanded where adb is looked for.
    for (const value of ['/usr/bin/adb', '/opt/my sdk/adb', '/tmp/$(reboot)/adb', '/tmp/a;b/adb', '~/Android/Sdk/platform-tools/adb']) {
      assert.deepEqual(read({ adbPath: value }), { settings: { ...DEFAULTS, adbPath: value }, warnings: [] });
    }
  });

  it('emulatorPath: checked like adbPath, with its own name in the warning', () => {
    assert.deepEqual(read({ emulatorPath: 'emulator' }).warnings, ['androidDeviceWatcher.emulatorPath: "emulator" is not an absolute path; looking for the emulator in the Android SDK and on PATH']);
    assert.deepEqual(read({ emulatorPath: 5 }).warnings, ['androidDeviceWatcher.emulatorPath: 5 is not a path; looking for the emulator in the Android SDK and on PATH']);
    assert.deepEqual(read({ emulatorPath: '/opt/sdk/emulator/emulator' }), { settings: { ...DEFAULTS, emulatorPath: '/opt/sdk/emulator/emulator' }, warnings: [] });
  });

  it('emulatorArgs: kept one argument each (shell text stays one inert argument); a non-list, or -avd / -port, drops the list with a warning', () => {
    assert.deepEqual(read({ emulatorArgs: ['-no-audio', '', '-qemu-noise; rm -rf ~'] }).settings.emulatorArgs, ['-no-audio', '-qemu-noise; rm -rf ~']);
    for (const value of [...WRONG_TYPES.array, ['-no-audio', 3], [null]]) {
      const { settings, warnings } = read({ emulatorArgs: value });
      assert.deepEqual(settings.emulatorArgs, [], JSON.stringify(value));
      assert.equal(warnings.length, 1, JSON.stringify(value));
      assert.match(warnings[0], /^androidDeviceWatcher\.emulatorArgs: expected a list of arguments/);
    }
    for (const owned of ['-avd', '-port', '-ports', '@Pixel_8']) {
      const { settings, warnings } = read({ emulatorArgs: ['-no-audio', owned, 'x'] });
      assert.deepEqual(settings.emulatorArgs, []);
      assert.deepEqual(warnings, [`androidDeviceWatcher.emulatorArgs: ${JSON.stringify(owned)} is set by each launch; launching without extra arguments`]);
    }
  });

  it('adbServers: a non-list is warned about and the local server is used', () => {
    for (const value of WRONG_TYPES.array) {
      const { settings, warnings } = read({ adbServers: value });
      assert.deepEqual(settings.adbServers, DEFAULTS.adbServers, JSON.stringify(value));
      assert.deepEqual(warnings, ['androidDeviceWatcher.adbServers: expected a list of host:port; using the local server']);
    }
  });

  it('adbServers: each malformed entry is named and skipped; the good ones stay, normalised and without duplicates', () => {
    const bad = ['', 'host', 'host:', ':5037', 'host:0', 'host:65536', 'host:99999', 'host:-1', 'host:50 37', 'a b:5037', 'http://host:5037', 'host:5037/path', '; rm -rf /:5037', '$(reboot):5037', '[zz]:5037', '::1:5037', 5037, null, true, {}, ['127.0.0.1:5037']];
    const { settings, warnings } = read({ adbServers: ['127.0.0.1:5037', ...bad, ' 127.0.0.1:5037 ', '5037', '[::1]:5040', 'lab:5041'] });
    assert.deepEqual(settings.adbServers, ['127.0.0.1:5037', '[::1]:5040', 'lab:5041']);
    assert.deepEqual(
      warnings,
      bad.map((entry) => `androidDeviceWatcher.adbServers: ${JSON.stringify(entry)} is not host:port; ignoring it`),
    );
  });

  it('adbServers: a list with nothing usable falls back to the local server', () => {
    for (const value of [[], ['nope'], [1, 2, 3]]) {
      assert.deepEqual(read({ adbServers: value }).settings.adbServers, DEFAULTS.adbServers);
    }
  });

  it('adbServers: any list of anything gives only well-formed, distinct host:port entries (property)', () => {
    const entry = fc.oneof(fc.string(), fc.stringMatching(/^[a-z0-9.-]{1,12}:\d{1,6}$/), fc.anything());
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 20 }), (list) => {
        const { settings } = read({ adbServers: list });
        assert.ok(settings.adbServers.length >= 1);
        assert.equal(new Set(settings.adbServers).size, settings.adbServers.length);
        for (const address of settings.adbServers) {
          assert.match(address, /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/);
          const port = Number(address.slice(address.lastIndexOf(':') + 1));
          assert.ok(port >= 1 && port <= 65535);
        }
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('collects one warning per bad value, all in one read, and never throws whatever the reader returns', () => {
    const bad = { adbPath: 7, adbServers: 'x', pollIntervalMs: 'x', stopDeadlineMs: -1, startAdbServer: 'yes', notifyOnDisconnect: 0, setAndroidSerial: [], emulatorPath: 'emulator', emulatorArgs: '-no-audio', emulatorBootTimeoutSeconds: 1 };
    const { settings, warnings } = read(bad);
    assert.deepEqual(settings, DEFAULTS);
    assert.deepEqual(
      warnings.map((w) => w.split(':')[0]),
      Object.keys(bad).map((key) => `androidDeviceWatcher.${key}`),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...Object.keys(DEFAULTS)), fc.jsonValue()), (values) => {
        const result = read(values as Values);
        assert.equal(result.warnings.length <= Object.keys(DEFAULTS).length + (Array.isArray(values.adbServers) ? values.adbServers.length : 0), true);
      }),
      { numRuns: 300, seed: 13 },
    );
  });

  it('uses ANDROID_ADB_SERVER_PORT for the local server when it is a port, else 5037', () => {
    assert.deepEqual(defaultServer({}), { address: '127.0.0.1:5037', source: 'default' });
    assert.deepEqual(defaultServer({ ANDROID_ADB_SERVER_PORT: '5040' }), { address: '127.0.0.1:5040', source: 'ANDROID_ADB_SERVER_PORT' });
    for (const bad of ['0', '-1', '65536', 'abc', '50.5', '99999']) {
      const server = defaultServer({ ANDROID_ADB_SERVER_PORT: bad });
      assert.equal(server.address, '127.0.0.1:5037', bad);
      assert.match(server.warning ?? '', /ANDROID_ADB_SERVER_PORT.*is not a port; using 127\.0\.0\.1:5037/, bad);
    }
    assert.equal(defaultServer({ ANDROID_ADB_SERVER_PORT: '' }).warning, undefined);
  });

  it('follows adb: ADB_SERVER_SOCKET first, then ANDROID_ADB_SERVER_ADDRESS with ANDROID_ADB_SERVER_PORT', () => {
    assert.deepEqual(defaultServer({ ADB_SERVER_SOCKET: 'tcp:lab-host:5039', ANDROID_ADB_SERVER_ADDRESS: 'other', ANDROID_ADB_SERVER_PORT: '6000' }), {
      address: 'lab-host:5039',
      source: 'ADB_SERVER_SOCKET',
    });
    assert.deepEqual(defaultServer({ ADB_SERVER_SOCKET: 'tcp:5041' }), { address: '127.0.0.1:5041', source: 'ADB_SERVER_SOCKET' });
    assert.deepEqual(defaultServer({ ADB_SERVER_SOCKET: 'tcp:[::1]:5042' }), { address: '[::1]:5042', source: 'ADB_SERVER_SOCKET' });
    assert.deepEqual(defaultServer({ ANDROID_ADB_SERVER_ADDRESS: 'host.docker.internal' }), { address: 'host.docker.internal:5037', source: 'ANDROID_ADB_SERVER_ADDRESS' });
    assert.deepEqual(defaultServer({ ANDROID_ADB_SERVER_ADDRESS: '192.0.2.7', ANDROID_ADB_SERVER_PORT: '5038' }), { address: '192.0.2.7:5038', source: 'ANDROID_ADB_SERVER_ADDRESS' });
    assert.deepEqual(defaultServer({ ANDROID_ADB_SERVER_ADDRESS: 'fe80::1' }), { address: '[fe80::1]:5037', source: 'ANDROID_ADB_SERVER_ADDRESS' });
  });

  it('warns about an adb variable it cannot use, naming it, and says what it uses instead', () => {
    const socket = defaultServer({ ADB_SERVER_SOCKET: 'localabstract:adb', ANDROID_ADB_SERVER_PORT: '5038' });
    assert.equal(socket.address, '127.0.0.1:5038');
    assert.match(socket.warning ?? '', /ADB_SERVER_SOCKET="localabstract:adb" is not tcp:host:port; using 127\.0\.0\.1:5038/);
    const host = defaultServer({ ANDROID_ADB_SERVER_ADDRESS: 'a b;reboot' });
    assert.equal(host.address, '127.0.0.1:5037');
    assert.match(host.warning ?? '', /ANDROID_ADB_SERVER_ADDRESS/);
    const { settings, warnings } = readSettings(() => undefined, { ADB_SERVER_SOCKET: 'nonsense' });
    assert.deepEqual(settings.adbServers, ['127.0.0.1:5037']);
    assert.equal(warnings.length, 1);
  });
});
