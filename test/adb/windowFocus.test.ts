// The window's focus, through the real worker and a real adb server: in the background the poll
// slows down but still reports what only the poll can see, a new device still shows at once by
// push, and what the slower poll has not seen yet shows as soon as the window has focus. What only
// the poll sees: a TCP device whose listener vanished (adb 29's push stream says nothing for 60 s;
// adb 34.0.5 pushes it at once), and an emulator's boot completing (its list line does not change).

import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GONE } from '../../lab/adbHostClient';
import { labAdbRelease, PrivateAdbServer } from '../../lab/adbServerProcess';
import { AdbProxy } from '../../lab/adbProxy';
import { createPoller, deviceIn, Harness, waitForLogs, waitForSnapshot } from '../../lab/pollerHarness';
import { installSimulatedEmulator, writeAvd } from '../../lab/sim/avds';
import { SimulatedLab } from '../../lab/sim/labClient';
import { findFreePort, portAnswers } from '../../lab/ports';
import { Snapshot } from '../../src/core/types';
import { useLab } from '../support/labFixture';

const FOCUSED_POLL_MS = 250;
/** A pace no poll comes at within a test: what is seen after focus came from the poll focus started. */
const SLOW_POLL_MS = 30_000;

/** Measured: adb 29's push stream reports a TCP device whose listener vanished only after 60 s. */
const pushMissesVanishedTcp = async () => (await labAdbRelease()) < 34;

describe("the window's focus (real worker, real adb server)", function () {
  this.timeout(60_000);
  const fixture = useLab();
  let adb: PrivateAdbServer;
  let lab: SimulatedLab;
  let harness: Harness | undefined;
  let proxy: AdbProxy | undefined;

  before(() => {
    ({ adb, lab } = fixture);
  });
  afterEach(async () => {
    await harness?.supervisor.dispose();
    harness = undefined;
    await proxy?.close();
    proxy = undefined;
  });

  const stateOf = (snapshot: Snapshot, serial: string) => deviceIn(snapshot, serial)?.state;

  /** A watcher whose window is in the background from the start, as at activation. */
  async function watchInBackground(server: string, pollIntervalMs: number, backgroundPollIntervalMs: number): Promise<Harness> {
    harness = createPoller({ servers: [server], pollIntervalMs, backgroundPollIntervalMs });
    harness.supervisor.setFocused(false);
    await harness.supervisor.start();
    await waitForLogs(harness, new RegExp(`in the background: polling every ${backgroundPollIntervalMs} ms`), 1, 5000, 'the background pace');
    await waitForSnapshot(harness.supervisor, (s) => s.servers.every((server) => server.status === 'connected'), 5000, 'connected');
    return harness;
  }

  it('in the background, shows a new device at once and still reports a vanished TCP device', async () => {
    // Pass-through: it only records each request, so that the report can be put after a poll.
    proxy = await AdbProxy.start(adb.port);
    const { supervisor, logs } = await watchInBackground(proxy.address, FOCUSED_POLL_MS, 1000);
    const sim = await lab.addDevice();
    const serial = await adb.connect(sim.port);
    await waitForSnapshot(supervisor, (s) => stateOf(s, serial) === 'device', 5000, 'the new device, by push');
    const pollsBefore = proxy.requests.filter((service) => service === 'host:devices-l').length;
    await lab.unplug(sim.port);
    const gone = await waitForSnapshot(supervisor, (s) => stateOf(s, serial) !== 'device', 10_000, 'the vanished device');
    assert.ok([undefined, 'offline'].includes(stateOf(gone, serial)), stateOf(gone, serial));
    if (await pushMissesVanishedTcp()) {
      assert.ok(proxy.requests.filter((service) => service === 'host:devices-l').length > pollsBefore, 'reported before a poll');
    }
    assert.ok(!logs.some((line) => /the window is focused/.test(line)), 'the window never had focus');
    await adb.disconnect(serial);
  });

  it('shows a TCP device that vanished in the background as soon as the window gets focus (adb 29; adb 34 pushes it at once)', async () => {
    // No poll for half a minute at either pace: only the poll that focus starts can report it in time.
    const { supervisor } = await watchInBackground(adb.address, SLOW_POLL_MS, 2 * SLOW_POLL_MS);
    const sim = await lab.addDevice();
    const serial = await adb.connect(sim.port);
    await waitForSnapshot(supervisor, (s) => stateOf(s, serial) === 'device', 5000, 'the new device, by push');
    await lab.unplug(sim.port);
    if (await pushMissesVanishedTcp()) {
      // adb itself has seen it go (its own list says so): the push stream says nothing for 60 s.
      await adb.waitForDevice(serial, ['offline', GONE], 5000);
      assert.equal(stateOf(supervisor.snapshot!, serial), 'device', 'reported before the window got focus');
      supervisor.setFocused(true);
    } else {
      await waitForSnapshot(supervisor, (s) => stateOf(s, serial) !== 'device', 10_000, 'the vanished device, by push');
      supervisor.setFocused(true);
    }
    const gone = await waitForSnapshot(supervisor, (s) => stateOf(s, serial) !== 'device', 10_000, 'the vanished device, after focus');
    assert.ok([undefined, 'offline'].includes(stateOf(gone, serial)), stateOf(gone, serial));
    await waitForLogs(harness!, new RegExp(`the window is focused: polling every ${SLOW_POLL_MS} ms$`), 1, 5000, 'the focused pace');
    await adb.disconnect(serial);
  });

  describe('an emulator booting in the background', () => {
    let root: string;
    let emulator: string;
    let env: NodeJS.ProcessEnv;
    let child: ChildProcess | undefined;

    before(async () => {
      root = await fs.mkdtemp(path.join(os.tmpdir(), 'adw-focus-emulator-'));
      const avdHome = path.join(root, 'avd');
      await writeAvd(avdHome, { name: 'Pixel_8_API_34', apiLevel: 34 });
      emulator = await installSimulatedEmulator(path.join(root, 'sdk'));
      await fs.writeFile(path.join(root, '.emulator_console_auth_token'), 'sim-token\n');
      env = { ...process.env, HOME: root, ANDROID_AVD_HOME: avdHome, ANDROID_ADB_SERVER_PORT: String(adb.port), ADW_SIM_EMULATOR_MODE: 'boot-on-signal' };
    });
    afterEach(async () => {
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child!.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      child = undefined;
    });
    after(async () => {
      if (root) await fs.rm(root, { recursive: true, force: true });
    });

    it('shows it ready as soon as the window gets focus (its boot is read only with a poll)', async () => {
      const { supervisor } = await watchInBackground(adb.address, SLOW_POLL_MS, 2 * SLOW_POLL_MS);
      const consolePort = await evenFreePort();
      const serial = `emulator-${consolePort}`;
      child = spawn(emulator, ['-avd', 'Pixel_8_API_34', '-port', String(consolePort)], { env, stdio: ['ignore', 'pipe', 'ignore'] });
      let output = '';
      const booted = new Promise<void>((resolve) =>
        child!.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('Boot completed')) resolve();
        }),
      );
      // A bound, not a latency: a spawned emulator process takes a while to start and register on a loaded machine.
      await waitForSnapshot(supervisor, (s) => deviceIn(s, serial)?.details?.booting === true, 30_000, `${serial} booting`);
      child.kill('SIGUSR1');
      await booted;
      assert.equal(deviceIn(supervisor.snapshot!, serial)?.details?.booting, true, 'shown booted before the window got focus');
      supervisor.setFocused(true);
      await waitForSnapshot(supervisor, (s) => deviceIn(s, serial)?.state === 'device' && deviceIn(s, serial)?.details?.booting === undefined, 10_000, `${serial} ready`);
    });
  });
});

/** An even free port with the next one free too, as an emulator's console and adb ports are. */
async function evenFreePort(): Promise<number> {
  for (;;) {
    const port = (await findFreePort()) & ~1;
    if (port > 1024 && port < 65534 && !(await portAnswers(port)) && !(await portAnswers(port + 1))) return port;
  }
}
