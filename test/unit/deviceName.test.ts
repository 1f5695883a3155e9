// The one name rule: what a device is called everywhere it is shown.

import * as assert from 'node:assert/strict';
import { deviceName } from '../../src/devices/model/deviceName';
import { Device } from '../../src/core/types';

function listed(overrides: Partial<Device> = {}): Device {
  const serial = overrides.serial ?? 'R58N12ABCDE';
  return { id: `127.0.0.1:5037/${serial}`, server: '127.0.0.1:5037', serial, state: 'device', connection: 'usb', model: 'SM_S918B', ...overrides };
}

describe('deviceName', () => {
  it('names a device by manufacturer and model once getprop is read, as Android Studio does', () => {
    assert.equal(deviceName(listed({ model: 'Pixel_8', details: { manufacturer: 'Google', model: 'Pixel 8' } })), 'Google Pixel 8');
    assert.equal(deviceName(listed({ details: { manufacturer: 'samsung', model: 'SM-S918B' } })), 'samsung SM-S918B');
    assert.equal(deviceName(listed({ model: 'UiScen_0002', details: { manufacturer: 'Simulated', model: 'UiScen_0002' } })), 'Simulated UiScen_0002');
  });

  it('says the manufacturer once when the model already begins with it', () => {
    assert.equal(deviceName(listed({ details: { manufacturer: 'OnePlus', model: 'OnePlus 7 Pro' } })), 'OnePlus 7 Pro');
    assert.equal(deviceName(listed({ details: { manufacturer: 'ONEPLUS', model: 'oneplus A6003' } })), 'oneplus A6003');
    assert.equal(deviceName(listed({ details: { model: 'Pixel 8' } })), 'Pixel 8');
  });

  it('names an emulator by its AVD', () => {
    const emulator = listed({ serial: 'emulator-5554', connection: 'emulator', model: 'sdk_gphone64_x86_64' });
    assert.equal(deviceName({ ...emulator, details: { manufacturer: 'Google', model: 'sdk_gphone64_x86_64', avdName: 'Pixel_8_API_34' } }), 'Pixel_8_API_34');
  });

  it("calls a ready device by its serial until getprop is read, never by the list's mangled model", () => {
    // adb lists `SM-S918B` as `SM_S918B`, and no manufacturer: "SM S918B" would turn into "samsung SM-S918B".
    assert.equal(deviceName(listed()), 'R58N12ABCDE');
    assert.equal(deviceName(listed({ model: 'Pixel_8' })), 'R58N12ABCDE');
  });

  it("names by the list's model a device whose properties are not read (not ready) or name no model", () => {
    assert.equal(deviceName(listed({ state: 'recovery', model: 'Pixel_8' })), 'Pixel 8');
    assert.equal(deviceName(listed({ model: 'Pixel_8', details: { androidRelease: '14' } })), 'Pixel 8');
    assert.equal(deviceName(listed({ state: 'unauthorized', model: undefined })), 'R58N12ABCDE');
    assert.equal(deviceName(listed({ state: 'offline', model: undefined, details: { manufacturer: 'Google', model: 'Pixel 8' } })), 'Google Pixel 8');
  });
});
