// Which emulators run on this machine and which adb server a launched one registers with, from
// the watcher's servers and devices (the launches and stops themselves: test/adb/emulatorControl).

import * as assert from 'node:assert/strict';
import { EmulatorControl } from '../../src/emulators/model/emulatorControl';
import { Device } from '../../src/core/types';

function control(configuredServers: string[], devices: Device[] = [], env: NodeJS.ProcessEnv = {}): EmulatorControl {
  // Nothing here reaches a device: a power-off through a server would say the watcher is not running.
  const controls = { requestDeviceService: () => Promise.resolve({ ok: false as const, end: { reason: 'not-running' as const, message: 'scripted' } }) };
  return new EmulatorControl({ devices, configuredServers, controls }, { env, home: '/nowhere', logFolder: '/nowhere' });
}

const emulator = (server: string, serial: string, avdName?: string): Device => ({
  id: `${server}/${serial}`,
  server,
  serial,
  state: 'device',
  connection: 'emulator',
  details: avdName ? { avdName } : undefined,
});

describe('emulator control: what runs here, and where a launch registers', () => {
  it('counts the emulators of servers on this machine only', () => {
    const devices = [emulator('127.0.0.1:5037', 'emulator-5554', 'Pixel'), emulator('[::1]:5038', 'emulator-5556', 'Tablet'), emulator('192.0.2.7:5037', 'emulator-5558', 'Foldable'), emulator('build-host:5037', 'emulator-5560', 'Wear')];
    assert.deepEqual([...control([], devices).runningHere()].sort(), ['Pixel', 'Tablet']);
  });

  it('registers with the watched local server on ANDROID_ADB_SERVER_PORT\'s port, else the first local one, else goes where the emulator goes by itself', () => {
    const servers = ['192.0.2.7:5037', '127.0.0.1:5038', 'localhost:5039'];
    assert.deepEqual(control(servers, [], { ANDROID_ADB_SERVER_PORT: '5039' }).registration(), { server: 'localhost:5039', port: 5039 });
    assert.deepEqual(control(servers).registration(), { server: '127.0.0.1:5038', port: 5038 });
    assert.deepEqual(control(['192.0.2.7:5037']).registration(), { port: 5037 });
    assert.deepEqual(control(['192.0.2.7:5037'], [], { ANDROID_ADB_SERVER_PORT: '5040' }).registration(), { port: 5040 });
    assert.deepEqual(control(['192.0.2.7:5037'], [], { ANDROID_ADB_SERVER_PORT: 'x' }).registration(), { port: undefined });
  });
});
