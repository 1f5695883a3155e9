// The AVDs the picker offers: read from the AVD home, and followed as AVDs are created and deleted
// while VS Code runs (a folder watch, no process per refresh).

import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { installSimulatedEmulator, writeAvd } from '../../lab/sim/avds';
import { EmulatorCatalog } from '../../src/emulators/model/emulatorCatalog';
import { ResourceTracker } from '../support/resourceTracker';

describe('EmulatorCatalog', () => {
  let root: string;
  let catalog: EmulatorCatalog | undefined;

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'adw-avds-'));
  });
  afterEach(async () => {
    catalog?.dispose();
    catalog = undefined;
    await fs.rm(root, { recursive: true, force: true });
  });

  const names = (c: EmulatorCatalog) => c.avds.map((avd) => avd.name);
  const nextChange = (c: EmulatorCatalog) => new Promise<void>((resolve) => {
    const subscription = c.onDidChange(() => {
      subscription.dispose();
      resolve();
    });
  });

  it('lists the AVD home and finds the SDK emulator like adb (ANDROID_HOME before PATH)', async () => {
    const home = path.join(root, 'avd');
    await writeAvd(home, { name: 'Pixel_8_API_34' });
    const emulator = await installSimulatedEmulator(path.join(root, 'sdk'));
    catalog = new EmulatorCatalog({ ANDROID_AVD_HOME: home, ANDROID_HOME: path.join(root, 'sdk'), PATH: '' }, { os: 'linux', home: root });
    await catalog.refresh();
    assert.deepEqual(names(catalog), ['Pixel_8_API_34']);
    assert.deepEqual((await catalog.findEmulator('')).found, { path: emulator, source: 'ANDROID_HOME' });
  });

  it('takes the emulatorPath setting before the SDK, and says when it names nothing', async () => {
    const fromSdk = await installSimulatedEmulator(path.join(root, 'sdk'));
    const chosen = await installSimulatedEmulator(path.join(root, 'other-sdk'));
    catalog = new EmulatorCatalog({ ANDROID_HOME: path.join(root, 'sdk'), PATH: '' }, { os: 'linux', home: root });
    assert.deepEqual((await catalog.findEmulator(chosen)).found, { path: chosen, source: 'setting' });
    const missing = path.join(root, 'nowhere', 'emulator');
    const search = await catalog.findEmulator(missing);
    assert.deepEqual(search.found, { path: fromSdk, source: 'ANDROID_HOME' });
    assert.deepEqual(search.tried, [{ path: missing, source: 'setting', problem: 'not found' }]);
  });

  it('follows an AVD created and one deleted while it runs', async () => {
    const home = path.join(root, 'avd');
    await writeAvd(home, { name: 'A_API_30' });
    catalog = new EmulatorCatalog({ ANDROID_AVD_HOME: home, PATH: '' }, { os: 'linux', home: root });
    await catalog.refresh();
    const added = nextChange(catalog);
    await writeAvd(home, { name: 'B_API_34' });
    await added;
    assert.deepEqual(names(catalog), ['A_API_30', 'B_API_34']);
    const removed = nextChange(catalog);
    await fs.rm(path.join(home, 'A_API_30.ini'));
    await removed;
    assert.deepEqual(names(catalog), ['B_API_34']);
  });

  it('opens no folder watch when it is disposed while its first read is under way', async () => {
    const home = path.join(root, 'avd');
    await writeAvd(home, { name: 'A_API_30' });
    const disposed = new EmulatorCatalog({ ANDROID_AVD_HOME: home, PATH: '' }, { os: 'linux', home: root });
    let changes = 0;
    disposed.onDidChange(() => changes++);
    const tracker = ResourceTracker.start();
    try {
      const reading = disposed.refresh();
      disposed.dispose();
      await reading;
      await tracker.settle();
      // A watch would keep the host's event loop alive and refresh a disposed catalog.
      assert.deepEqual(tracker.counts(/emulatorCatalog/), {});
      assert.equal(changes, 0);
    } finally {
      tracker.stop();
    }
  });

  it('has no AVDs and no emulator on a machine without them, and says nothing changed', async () => {
    catalog = new EmulatorCatalog({ PATH: '' }, { os: 'linux', home: root });
    let changes = 0;
    catalog.onDidChange(() => changes++);
    await catalog.refresh();
    assert.deepEqual(names(catalog), []);
    assert.equal((await catalog.findEmulator('')).found, undefined);
    assert.equal(changes, 0);
  });
});
