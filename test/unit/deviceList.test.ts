import * as assert from 'node:assert/strict';
import { connectionKindOf, parseDeviceLine, parseDeviceList } from '../../src/devices/worker/deviceList';

const SERVER = '127.0.0.1:5037';

describe('device list parsing (host:devices-l)', () => {
  it('reads a TCP device with every key, which adbkit mis-parses', () => {
    const device = parseDeviceLine(SERVER, '127.0.0.1:40001       device product:sim model:Pixel_8 device:shiba transport_id:7');
    assert.deepEqual(device, {
      id: `${SERVER}/127.0.0.1:40001`,
      server: SERVER,
      serial: '127.0.0.1:40001',
      state: 'device',
      connection: 'tcp',
      product: 'sim',
      model: 'Pixel_8',
      device: 'shiba',
      transportId: '7',
    });
  });

  it('keeps the multi-word no permissions state and its explanation apart from the keys', () => {
    const device = parseDeviceLine(
      SERVER,
      '0123456789ABCDEF       no permissions (user in plugdev group; are your udev rules wrong?); see [http://developer.android.com/tools/device.html] usb:1-1 transport_id:3',
    );
    assert.equal(device?.state, 'no permissions');
    assert.equal(device?.usb, '1-1');
    assert.equal(device?.transportId, '3');
    assert.equal(device?.connection, 'usb');
    assert.match(device?.stateDetail ?? '', /^\(user in plugdev group; are your udev rules wrong\?\); see \[http/);
  });

  it('keeps every adb state and unknown ones verbatim', () => {
    for (const state of ['offline', 'unauthorized', 'authorizing', 'connecting', 'recovery', 'sideload', 'bootloader', 'rescue', 'host', 'weird-new-state']) {
      assert.equal(parseDeviceLine(SERVER, `emulator-5554\t${state} transport_id:1`)?.state, state);
    }
  });

  it('ignores unknown keys, blank lines, CRLF and a line with no state', () => {
    const devices = parseDeviceList(SERVER, 'A device future_key:x transport_id:2\r\n\nlonely\nB offline\n');
    assert.deepEqual(
      devices.map((d) => [d.serial, d.state, d.transportId]),
      [
        ['A', 'device', '2'],
        ['B', 'offline', undefined],
      ],
    );
  });

  it('keeps the last line of a serial listed twice', () => {
    const devices = parseDeviceList(SERVER, 'A offline\nA device\n');
    assert.equal(devices.length, 1);
    assert.equal(devices[0].state, 'device');
  });

  it('keeps two devices that share a serial when adb tells them apart by transport id', () => {
    const devices = parseDeviceList(SERVER, '0123456789ABCDEF device transport_id:3\n0123456789ABCDEF device transport_id:7\nB device transport_id:4\n');
    assert.deepEqual(
      devices.map((d) => [d.id, d.sharesSerial]),
      [
        [`${SERVER}/0123456789ABCDEF/t3`, true],
        [`${SERVER}/0123456789ABCDEF/t7`, true],
        [`${SERVER}/B`, undefined],
      ],
    );
  });

  it('reads an mDNS-connected serial adb renamed after a name clash (it holds a space), with or without the trailing dot', () => {
    const text = [
      'adb-R58M12345-abc (2)._adb-tls-connect._tcp device product:p model:Pixel_8 device:d transport_id:4',
      'adb-R58M12345-abc (3)._adb-tls-connect._tcp. offline transport_id:5',
      'emulator-5554 device product:x._adb._tcp model:M transport_id:6',
    ].join('\n');
    assert.deepEqual(
      parseDeviceList(SERVER, text).map((d) => [d.serial, d.state, d.connection, d.transportId]),
      [
        ['adb-R58M12345-abc (2)._adb-tls-connect._tcp', 'device', 'tcp', '4'],
        ['adb-R58M12345-abc (3)._adb-tls-connect._tcp.', 'offline', 'tcp', '5'],
        ['emulator-5554', 'device', 'emulator', '6'],
      ],
    );
  });

  it('tells the connection kind from the serial', () => {
    assert.equal(connectionKindOf('emulator-5554'), 'emulator');
    assert.equal(connectionKindOf('192.168.1.20:5555'), 'tcp');
    assert.equal(connectionKindOf('[fe80::1]:5555'), 'tcp');
    assert.equal(connectionKindOf('adb-R58M12345-abc._adb-tls-connect._tcp'), 'tcp');
    assert.equal(connectionKindOf('R58M12345XY'), 'usb');
  });
});
