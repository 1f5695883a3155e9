// `adb start-server` as the worker runs it when `startServer` is allowed: with a deadline, only for
// an address on this machine, at most once per reconnect step, and never outliving stop. The `adb`
// executables here are fakes written to a temp dir (named so): one hangs, one records its arguments
// and starts a real private adb server.

import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ADB_BIN } from '../../lab/adbServerProcess';
import { createPoller, Harness, waitForSnapshot } from '../../lab/pollerHarness';
import { findFreePort } from '../../lab/ports';
import { waitUntil } from '../../lab/wait';
import { useProblemSpy } from '../support/problemSpy';
import { START_SERVER_DEADLINE_FACTOR } from '../../src/core/adb/adbServerClient';

const TIMEOUT_MS = 200;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('starting an adb server (real worker, fake adb executables)', function () {
  this.timeout(30_000);
  let tmp: string;
  let harness: Harness | undefined;
  let calls: string;
  let serverToKill: { port: number; home: string } | undefined;

  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'adw-start-server-'));
    calls = path.join(tmp, 'calls');
  });
  useProblemSpy(
    () => harness,
    async () => {
      harness = undefined;
      for (const pid of (await recordedCalls()).map((call) => call.pid)) {
        if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
      if (serverToKill) {
        const { port, home } = serverToKill;
        await new Promise<void>((resolve) => execFile(ADB_BIN, ['-P', String(port), 'kill-server'], { env: { ...process.env, HOME: home, TMPDIR: home }, timeout: 20_000 }, () => resolve()));
        serverToKill = undefined;
      }
      await fs.rm(tmp, { recursive: true, force: true });
    },
  );

  /** A fake `adb` that records its pid and arguments, then runs `then` (its last line). */
  async function fakeAdb(then: string): Promise<string> {
    const file = path.join(tmp, 'adb');
    await fs.writeFile(file, `#!/bin/sh\necho "$$ $*" >> '${calls}'\n${then}\n`, { mode: 0o755 });
    return file;
  }

  async function recordedCalls(): Promise<{ pid: number; args: string }[]> {
    const text = await fs.readFile(calls, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => ({ pid: Number(line.split(' ')[0]), args: line.split(' ').slice(1).join(' ') }));
  }

  it('kills a start-server that hangs at its deadline and says why the server is unreachable', async () => {
    const adbPath = await fakeAdb('exec sleep 600');
    const port = await findFreePort();
    harness = createPoller({ servers: [`127.0.0.1:${port}`], startServer: true, adbPath, requestTimeoutMs: TIMEOUT_MS, pollIntervalMs: 200 });
    await harness.supervisor.start();
    const down = await waitForSnapshot(harness.supervisor, (s) => s.servers[0].status === 'unreachable', 10_000, 'unreachable');
    const deadline = TIMEOUT_MS * START_SERVER_DEADLINE_FACTOR;
    assert.match(down.servers[0].error ?? '', new RegExp(`start-server for 127\\.0\\.0\\.1:${port} did not finish within ${deadline} ms`));
    assert.equal(down.servers[0].problem, 'not-running');
    const [first] = await recordedCalls();
    assert.equal(first.args, `-P ${port} start-server`);
    await waitUntil(() => !alive(first.pid), 3000, 'the hung start-server to be gone');
    assert.ok(harness.logs.some((text) => text.includes(`not running; starting it (${adbPath} -P ${port} start-server)`)), harness.logs.join('\n'));
  });

  it('kills a start-server still running when the poller stops, and the worker stops on its own', async () => {
    const adbPath = await fakeAdb('exec sleep 600');
    const port = await findFreePort();
    // A deadline far beyond the test: only the stop can end this child in time.
    harness = createPoller({ servers: [`127.0.0.1:${port}`], startServer: true, adbPath, requestTimeoutMs: 10_000 });
    await harness.supervisor.start();
    await waitUntil(async () => (await recordedCalls()).length === 1, 5000, 'start-server to run');
    const [call] = await recordedCalls();
    await harness.supervisor.stop();
    await waitUntil(() => !alive(call.pid), 3000, 'the start-server child to be killed');
    assert.ok(!harness.logs.some((text) => text.includes('did not stop within')), harness.logs.join('\n'));
    assert.equal(harness.supervisor.state, 'stopped');
  });

  it('starts a real private server through adb, once, and connects to it', async () => {
    const port = await findFreePort();
    const home = path.join(tmp, 'home');
    await fs.mkdir(home);
    serverToKill = { port, home };
    const adbPath = await fakeAdb(`HOME='${home}' TMPDIR='${home}' ADB_EMU=0 ADB_USB=0 ADB_MDNS=0 exec adb "$@"`);
    harness = createPoller({ servers: [`127.0.0.1:${port}`], startServer: true, adbPath, requestTimeoutMs: 2000 });
    await harness.supervisor.start();
    const up = await waitForSnapshot(harness.supervisor, (s) => s.servers[0].status === 'connected', 15_000, 'connected');
    assert.equal(up.servers[0].problem, undefined);
    assert.deepEqual((await recordedCalls()).map((call) => call.args), [`-P ${port} start-server`]);
  });

  it('starts a local server on request while starting by itself is off (the picker action), and refuses a remote one', async () => {
    const port = await findFreePort();
    const remote = `0.0.0.0:${await findFreePort()}`;
    const home = path.join(tmp, 'home');
    await fs.mkdir(home);
    serverToKill = { port, home };
    const adbPath = await fakeAdb(`HOME='${home}' TMPDIR='${home}' ADB_EMU=0 ADB_USB=0 ADB_MDNS=0 exec adb "$@"`);
    harness = createPoller({ servers: [`127.0.0.1:${port}`, remote], startServer: false, adbPath, requestTimeoutMs: 2000 });
    await harness.supervisor.start();
    await waitForSnapshot(harness.supervisor, (s) => s.servers.every((server) => server.problem === 'not-running'), 10_000, 'both not running');
    assert.deepEqual(await recordedCalls(), [], 'nothing is started by itself');

    const refused = await harness.supervisor.runAdbCommand({ kind: 'start-server', server: remote });
    assert.equal(refused.ok, false);
    assert.match(refused.message, /is not on this machine/);
    const started = await harness.supervisor.runAdbCommand({ kind: 'start-server', server: `127.0.0.1:${port}` });
    assert.deepEqual(started, { ok: true, message: `started the adb server at 127.0.0.1:${port}` });
    await waitForSnapshot(harness.supervisor, (s) => s.servers[0].status === 'connected', 15_000, 'connected');
    assert.deepEqual((await recordedCalls()).map((call) => call.args), [`-P ${port} start-server`]);
    assert.ok(harness.logs.some((text) => text.includes('starting it on request')), harness.logs.join('\n'));
  });

  it('never runs start-server for an address that is not loopback', async () => {
    const adbPath = await fakeAdb('exec sleep 600');
    const port = await findFreePort();
    // 0.0.0.0 is not a loopback address, yet Linux connects it to this machine: the refusal is real
    // and no packet leaves the loopback.
    harness = createPoller({ servers: [`0.0.0.0:${port}`], startServer: true, adbPath, requestTimeoutMs: TIMEOUT_MS });
    await harness.supervisor.start();
    const down = await waitForSnapshot(harness.supervisor, (s) => s.servers[0].status === 'unreachable', 5000, 'unreachable');
    assert.equal(down.servers[0].problem, 'not-running');
    assert.match(down.servers[0].error ?? '', /connection refused/);
    assert.deepEqual(await recordedCalls(), []);
    assert.ok(harness.logs.some((text) => text.includes('not on this machine, so it is not started here')), harness.logs.join('\n'));
  });
});
