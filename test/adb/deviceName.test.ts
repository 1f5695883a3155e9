// A device's name through a real adb server: adb lists the model from the device's banner with
// every character that is not a letter or digit turned into `_` (`SM-S918B` -> `SM_S918B`), and
// the worker reads getprop's own words (manufacturer `samsung`, model `SM-S918B`) a moment later.
// The name is one rule, and a device is never called by the list's mangled model on its way to
// the name getprop gives: everything that names it (the model's changes, the notice that says it
// was selected) shows its serial until the name is read, then the name, and nothing else.

import * as assert from 'node:assert/strict';
import { createPoller, Harness, watcherModelOn } from '../../lab/pollerHarness';
import { waitUntil } from '../../lab/wait';
import { deviceName } from '../../src/devices/model/deviceName';
import { WatcherModel } from '../../src/devices/model/watcherModel';
import { Device } from '../../src/core/types';
import { useLab } from '../support/labFixture';


/** Makes whose getprop model differs from adb's listing of it, as real ones do. */
const MAKES = [
  { manufacturer: 'samsung', model: 'SM-S918B', listed: 'SM_S918B', name: 'samsung SM-S918B' },
  { manufacturer: 'Simulated', model: 'UiScen_0002', listed: 'UiScen_0002', name: 'Simulated UiScen_0002' },
  { manufacturer: 'Xiaomi', model: 'Redmi Note 9 Pro', listed: 'Redmi_Note_9_Pro', name: 'Xiaomi Redmi Note 9 Pro' },
];

describe('a device named through a real adb server: the listing model vs getprop', function () {
  const fixture = useLab();
  let harness: Harness | undefined;
  let model: WatcherModel | undefined;
  let attached: { port: number } | undefined;

  afterEach(async () => {
    model?.dispose();
    model = undefined;
    await harness?.supervisor.dispose();
    harness = undefined;
    // The next test's first ready device is its own.
    if (attached) {
      await fixture.adb.disconnect(attached.port);
      await fixture.lab.remove(attached.port);
      attached = undefined;
    }
  });

  for (const make of MAKES) {
    it(`names ${make.name} by its serial until getprop is read, then by manufacturer and model, never by the list's "${make.listed}"`, async () => {
      harness = createPoller({ servers: [fixture.adb.address] });
      model = watcherModelOn(harness.supervisor);
      const watched = model;
      let serial = '';
      const names: string[] = [];
      const listedModels = new Set<string | undefined>();
      const record = () => {
        const device = watched.devices.find((d) => d.serial === serial);
        if (!device) return;
        listedModels.add(device.model);
        if (names[names.length - 1] !== deviceName(device)) names.push(deviceName(device));
      };
      watched.onDidChange(record);
      const autoSelected = new Promise<Device>((resolve) => watched.onDidAutoSelect((selected) => resolve(selected.device)));
      await harness.supervisor.start();

      const sim = await fixture.lab.addDevice({ properties: { 'ro.product.manufacturer': make.manufacturer, 'ro.product.model': make.model } });
      serial = sim.serial;
      attached = sim;
      await fixture.adb.connect(sim.port);
      // The notice that says the device was selected for the user names it once: with its name.
      const announced = await watched.whenNamed(await autoSelected);
      assert.equal(deviceName(announced), make.name, 'the first-ready notice');
      await waitUntil(() => watched.devices.find((d) => d.serial === serial)?.details, 10_000, 'the details read', { on: [watched.onDidChange] });

      // adb 29 and 34 alike list the banner's model with its non-alphanumerics as `_`.
      assert.deepEqual([...listedModels].filter(Boolean), [make.listed], 'what the real server lists as the model');
      assert.equal(names[names.length - 1], make.name);
      assert.ok(
        names.every((name) => name === make.name || name === serial),
        `every name shown on the way, in order: ${JSON.stringify(names)}`,
      );
      assert.equal(deviceName(watched.selection!.device), make.name, 'the selected device (status bar)');
    });
  }
});
