// AVDs read from their .ini files the way the emulator finds them, in a temporary AVD home.

import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { androidUserHome, avdHome, listAvds, parseIni } from '../../src/emulators/model/avdCatalog';

describe('AVD catalog', () => {
  let root: string;
  let home: string;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'adw-avd-'));
    home = path.join(root, 'avd');
    await fs.mkdir(home);
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  async function makeAvd(name: string, config: string, pointer?: string): Promise<string> {
    const folder = path.join(home, `${name}.avd`);
    await fs.mkdir(folder);
    await fs.writeFile(path.join(folder, 'config.ini'), config);
    await fs.writeFile(path.join(home, `${name}.ini`), pointer ?? `avd.ini.encoding=UTF-8\npath=${folder}\npath.rel=avd/${name}.avd\ntarget=android-34\n`);
    return folder;
  }

  it('finds the AVD home in the emulator\'s order of variables', () => {
    const platform = { os: 'linux' as const, home: '/home/dev' };
    assert.equal(avdHome({}, platform), '/home/dev/.android/avd');
    assert.equal(avdHome({ ANDROID_EMULATOR_HOME: '/e' }, platform), '/e/avd');
    assert.equal(avdHome({ ANDROID_EMULATOR_HOME: '/e', ANDROID_SDK_HOME: '/s' }, platform), '/s/.android/avd');
    assert.equal(avdHome({ ANDROID_SDK_HOME: '/s', ANDROID_USER_HOME: '/u' }, platform), '/u/avd');
    assert.equal(avdHome({ ANDROID_USER_HOME: '/u', ANDROID_AVD_HOME: '/a' }, platform), '/a');
  });

  it('finds the Android user home, where path.rel starts, in the same order', () => {
    const platform = { os: 'linux' as const, home: '/home/dev' };
    assert.equal(androidUserHome({}, platform), '/home/dev/.android');
    assert.equal(androidUserHome({ ANDROID_EMULATOR_HOME: '/e' }, platform), '/e');
    assert.equal(androidUserHome({ ANDROID_EMULATOR_HOME: '/e', ANDROID_SDK_HOME: '/s' }, platform), '/s/.android');
    assert.equal(androidUserHome({ ANDROID_SDK_HOME: '/s', ANDROID_USER_HOME: '/u' }, platform), '/u');
    // ANDROID_AVD_HOME moves the AVDs, not the user home.
    assert.equal(androidUserHome({ ANDROID_USER_HOME: '/u', ANDROID_AVD_HOME: '/a' }, platform), '/u');
  });

  it('resolves path.rel from the Android user home, not from the AVD home\'s parent (ANDROID_AVD_HOME elsewhere)', async () => {
    // The AVD home is a folder of its own; the AVD's files are under the user home, as Android Studio wrote them.
    const userHome = path.join(root, 'user-home');
    const folder = path.join(userHome, 'avd', 'Pixel_Folder.avd');
    await fs.mkdir(folder, { recursive: true });
    await fs.writeFile(path.join(folder, 'config.ini'), 'abi.type=x86_64\n');
    await fs.writeFile(path.join(home, 'Pixel.ini'), 'path=/moved/away/Pixel_Folder.avd\npath.rel=avd/Pixel_Folder.avd\n');
    const listing = await listAvds(home, userHome);
    assert.deepEqual(listing.problems, []);
    assert.deepEqual(listing.avds.map((avd) => [avd.name, avd.folder]), [['Pixel', folder]]);
  });

  it('lists each AVD with its display name, API level and ABI, sorted by name', async () => {
    const pixel = await makeAvd('Pixel_8_API_34', 'avd.ini.displayname=Pixel 8 API 34\nabi.type=x86_64\nimage.sysdir.1=system-images/android-34/google_apis/x86_64/\n');
    await makeAvd('Nexus_5_API_28', 'abi.type=arm64-v8a\r\ntarget=android-28\r\n', `path=${path.join(home, 'Nexus_5_API_28.avd')}\ntarget=android-28\n`);
    const listing = await listAvds(home, root);
    assert.deepEqual(listing.avds, [
      { name: 'Nexus_5_API_28', displayName: 'Nexus 5 API 28', apiLevel: 28, abi: 'arm64-v8a', folder: path.join(home, 'Nexus_5_API_28.avd') },
      { name: 'Pixel_8_API_34', displayName: 'Pixel 8 API 34', apiLevel: 34, abi: 'x86_64', folder: pixel },
    ]);
    assert.deepEqual(listing.problems, []);
  });

  it('follows path.rel when the absolute path moved with the home folder, and reports an AVD with no folder', async () => {
    await makeAvd('Moved', 'abi.type=x86_64\n', 'path=/nowhere/Moved.avd\npath.rel=avd/Moved.avd\n');
    await fs.writeFile(path.join(home, 'Ghost.ini'), 'path=/nowhere/Ghost.avd\n');
    const listing = await listAvds(home, root);
    assert.deepEqual(listing.avds.map((a) => a.name), ['Moved']);
    assert.deepEqual(listing.problems, ['Ghost.ini: its .avd folder is missing']);
  });

  it('says nothing for a missing AVD home (no emulator installed) and refuses a huge ini', async () => {
    assert.deepEqual(await listAvds(path.join(root, 'none'), root), { home: path.join(root, 'none'), avds: [], problems: [] });
    await fs.writeFile(path.join(home, 'Huge.ini'), 'x'.repeat(300 * 1024));
    assert.match((await listAvds(home, root)).problems[0], /Huge\.ini: larger than/);
  });

  it('reads ini lines with = in values and skips comments', () => {
    assert.deepEqual([...parseIni('# comment\na=b=c\n\n ; x\nname = Pixel 8 \n').entries()], [
      ['a', 'b=c'],
      ['name', 'Pixel 8'],
    ]);
  });
});
