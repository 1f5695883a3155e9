// With no adbServers setting the watcher uses the server adb itself would use, found through the
// same variables in adb's order. Each case reaches a private adb server only through its variable,
// and checks that the real adb command line, given the same environment, lists the same device.

import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { ADB_BIN } from '../../lab/adbServerProcess';
import { createPoller, deviceIn, Harness, waitForSnapshot } from '../../lab/pollerHarness';
import { readSettings } from '../../src/devices/model/settings';
import { useLab } from '../support/labFixture';

/** `adb devices` with only these adb variables set, as a user's shell would run it. */
function adbDevicesWith(variables: Record<string, string>): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['ADB_SERVER_SOCKET', 'ANDROID_ADB_SERVER_ADDRESS', 'ANDROID_ADB_SERVER_PORT']) delete env[name];
  return new Promise((resolve, reject) =>
    execFile(ADB_BIN, ['devices'], { env: { ...env, ...variables }, timeout: 20_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}: ${stderr}`)) : resolve(stdout))),
  );
}

describe('the default adb server, from the variables adb honours (real adb server)', function () {
  this.timeout(30_000);
  const fixture = useLab();
  let serial: string;
  let harness: Harness | undefined;

  before(async () => {
    const sim = await fixture.lab.addDevice();
    serial = await fixture.adb.connect(sim.port);
  });
  afterEach(async () => {
    await harness?.supervisor.dispose();
    harness = undefined;
  });

  const cases: [string, (port: number) => Record<string, string>][] = [
    // A port that is not the server's, to show which variable wins.
    ['ADB_SERVER_SOCKET, over ANDROID_ADB_SERVER_PORT', (port) => ({ ADB_SERVER_SOCKET: `tcp:127.0.0.1:${port}`, ANDROID_ADB_SERVER_PORT: '1' })],
    ['ANDROID_ADB_SERVER_ADDRESS with ANDROID_ADB_SERVER_PORT', (port) => ({ ANDROID_ADB_SERVER_ADDRESS: '127.0.0.1', ANDROID_ADB_SERVER_PORT: String(port) })],
    ['ANDROID_ADB_SERVER_PORT alone', (port) => ({ ANDROID_ADB_SERVER_PORT: String(port) })],
  ];
  for (const [name, variables] of cases) {
    it(`reaches the server through ${name}, as adb does`, async () => {
      const env = variables(fixture.adb.port);
      const { settings, warnings } = readSettings(() => undefined, env);
      assert.deepEqual(warnings, []);
      assert.deepEqual(settings.adbServers, [fixture.adb.address]);
      harness = createPoller({ servers: settings.adbServers });
      await harness.supervisor.start();
      await waitForSnapshot(harness.supervisor, (s) => deviceIn(s, serial, fixture.adb.address)?.state === 'device', 10_000, `${serial} through ${name}`);
      assert.match(await adbDevicesWith(env), new RegExp(`^${serial.replace(/\./g, '\\.')}\\s+device$`, 'm'));
    });
  }
});
