// Where adb is looked for, in order, on each platform (passed in), against real files in a
// temporary folder: fake SDK trees holding an executable `adb`.

import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { adbCandidates, EMULATOR, expandHome, locateAdb, Platform } from '../../src/core/adbLocator';

describe('adb locator', () => {
  let home: string;
  beforeEach(async () => {
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'adw-home-'));
  });
  afterEach(() => fs.rm(home, { recursive: true, force: true }));

  async function fakeAdb(...parts: string[]): Promise<string> {
    const file = path.join(home, ...parts);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, '#!/bin/sh\n', { mode: 0o755 });
    return file;
  }

  const linux = (): Platform => ({ os: 'linux', home });

  it('looks at the setting, ANDROID_HOME, ANDROID_SDK_ROOT, the Android Studio folder, then PATH, in that order', () => {
    const env = { ANDROID_HOME: '/sdk/home', ANDROID_SDK_ROOT: '/sdk/root', PATH: '/usr/local/bin:relative:/usr/bin' };
    assert.deepEqual(
      adbCandidates('~/tools/adb', env, linux()).map((c) => `${c.source} ${c.path}`),
      [
        `setting ${home}/tools/adb`,
        'ANDROID_HOME /sdk/home/platform-tools/adb',
        'ANDROID_SDK_ROOT /sdk/root/platform-tools/adb',
        `Android Studio ${home}/Android/Sdk/platform-tools/adb`,
        'PATH /usr/local/bin/adb',
        'PATH /usr/bin/adb',
      ],
    );
  });

  it('knows Android Studio\'s default SDK folder on macOS and Windows', () => {
    const mac = adbCandidates('', {}, { os: 'darwin', home: '/Users/dev' });
    assert.deepEqual(mac.map((c) => c.path), ['/Users/dev/Library/Android/sdk/platform-tools/adb']);
    const windows = adbCandidates('', { LOCALAPPDATA: 'C:\\Users\\dev\\AppData\\Local', Path: 'C:\\tools;C:\\Windows' }, { os: 'win32', home: 'C:\\Users\\dev' });
    assert.deepEqual(windows.map((c) => c.path), [
      'C:\\Users\\dev\\AppData\\Local\\Android\\Sdk\\platform-tools\\adb.exe',
      'C:\\tools\\adb.exe',
      'C:\\Windows\\adb.exe',
    ]);
    assert.equal(expandHome('~\\sdk\\adb.exe', { os: 'win32', home: 'C:\\Users\\dev' }), 'C:\\Users\\dev\\sdk\\adb.exe');
  });

  it('looks at a folder reached twice only once', () => {
    const env = { ANDROID_HOME: path.join(home, 'Android', 'Sdk') };
    assert.deepEqual(adbCandidates('', env, linux()).map((c) => c.source), ['ANDROID_HOME']);
  });

  it('finds adb under ~/Android/Sdk with nothing set, after the places that do not have it', async () => {
    const studio = await fakeAdb('Android', 'Sdk', 'platform-tools', 'adb');
    const search = await locateAdb('', { ANDROID_HOME: path.join(home, 'nowhere'), PATH: '/nonexistent-bin' }, linux());
    assert.deepEqual(search.found, { path: studio, source: 'Android Studio' });
    assert.deepEqual(search.tried.map((t) => `${t.source}: ${t.problem}`), ['ANDROID_HOME: not found']);
  });

  it('prefers the setting, ~ expanded, and then PATH after every SDK folder', async () => {
    const mine = await fakeAdb('bin', 'adb');
    await fakeAdb('Android', 'Sdk', 'platform-tools', 'adb');
    assert.deepEqual((await locateAdb('~/bin/adb', {}, linux())).found, { path: mine, source: 'setting' });
    const search = await locateAdb('', { PATH: path.dirname(mine) }, { os: 'linux', home: path.join(home, 'other') });
    assert.deepEqual(search.found, { path: mine, source: 'PATH' });
    assert.deepEqual(search.tried.map((t) => t.source), ['Android Studio']);
  });

  it('says why a candidate does not do: a folder, a file that is not executable, nothing at all', async () => {
    await fs.mkdir(path.join(home, 'dir-adb'));
    const plain = path.join(home, 'plain-adb');
    await fs.writeFile(plain, 'not a program', { mode: 0o644 });
    const search = await locateAdb(path.join(home, 'dir-adb'), { ANDROID_HOME: '/nonexistent-sdk', PATH: '' }, linux());
    assert.equal(search.found, undefined);
    assert.deepEqual(search.tried.map((t) => `${t.source}: ${t.problem}`), ['setting: not a file', 'ANDROID_HOME: not found', 'Android Studio: not found', 'PATH: PATH is empty']);
    assert.equal((await locateAdb(plain, {}, linux())).tried[0].problem, 'not executable');
  });

  it('finds the emulator in the SDK\'s emulator folder by the same rules', async () => {
    const emulator = await fakeAdb('Android', 'Sdk', 'emulator', 'emulator');
    assert.deepEqual((await locateAdb('', { PATH: '' }, linux(), EMULATOR)).found, { path: emulator, source: 'Android Studio' });
    assert.deepEqual(adbCandidates('', { ANDROID_HOME: 'C:\\sdk' }, { os: 'win32', home: 'C:\\Users\\dev' }, EMULATOR)[0].path, 'C:\\sdk\\emulator\\emulator.exe');
  });
});
