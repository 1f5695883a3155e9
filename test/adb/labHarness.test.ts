// The lab itself, which every other test stands on: its private adb server refuses a port it did
// not start and dies with its owner, its host client fails clearly, and its processes never
// outlive the process that started them.

import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PrivateAdbServer } from '../../lab/adbServerProcess';
import { adbHostRequest } from '../../lab/hostProtocol';
import { portAnswers } from '../../lab/ports';
import { waitUntil } from '../../lab/wait';
import { startHttpServer, startSilentServer } from '../support/fakeServers';
import { register } from '../support/started';

/** Generous: only a stalled machine needs it. */
const SETTLE_MS = 10_000;
/** The compiled lab, next to the compiled tests. */
const LAB = path.join(__dirname, '..', '..', 'lab');

describe('the lab: its adb server, host client and processes', function () {
  it('refuses to use a port where something else already answers', async function () {
    const silent = await startSilentServer();
    try {
      await assert.rejects(PrivateAdbServer.start({ port: silent.port }), /refusing/);
    } finally {
      await silent.close();
    }
  });

  it('fails clearly against a silent server and an HTTP server', async function () {
    const [silent, web] = await Promise.all([startSilentServer(), startHttpServer()]);
    try {
      await assert.rejects(adbHostRequest(silent.port, 'host:version', { timeoutMs: 300 }), /no answer to host:version after 300 ms/);
      await assert.rejects(adbHostRequest(web.port, 'host:version'), /unexpected reply "HTTP"/);
      assert.equal(silent.connectionCount(), 1);
      assert.equal(web.connectionCount(), 1);
    } finally {
      await Promise.all([silent.close(), web.close()]);
    }
  });

  it('lab process dies when its parent dies', async function () {
    const labClient = path.join(LAB, 'sim', 'labClient.js');
    const parent = startNodeScript(`require(${JSON.stringify(labClient)}).SimulatedLab.start().then((lab) => console.log(lab.pid))`);
    const labPid = Number(await parent.firstLine);
    assert.ok(await isRunning(labPid), 'lab process should run while its parent lives');
    parent.child.kill('SIGKILL');
    await parent.exited;
    await waitUntil(async () => !(await isRunning(labPid)), SETTLE_MS, `lab process ${labPid} to end with its parent`);
  });

  it('lab CLI stops its devices and adb server when the parent that forked it dies', async function () {
    const cli = path.join(LAB, 'cli.js');
    // The parent forks the CLI as tools/simulatedLab.ts does (with an IPC channel) and prints its
    // pid and adb port once the CLI has said them.
    const parent = startNodeScript(`
      const child = require('node:child_process').fork(${JSON.stringify(cli)}, ['--devices', '1'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
      child.stdout.on('data', (chunk) => {
        const port = /ANDROID_ADB_SERVER_PORT=(\\d+)/.exec(String(chunk));
        if (port) console.log(JSON.stringify([child.pid, Number(port[1])]));
      });`);
    const [cliPid, adbPort] = JSON.parse(await parent.firstLine) as [number, number];
    assert.ok(await isRunning(cliPid), 'the CLI runs while its parent lives');
    parent.child.kill('SIGKILL');
    await parent.exited;
    await waitUntil(async () => !(await isRunning(cliPid)), SETTLE_MS, `lab CLI ${cliPid} to end with its parent`);
    assert.equal(await portAnswers(adbPort), false, 'its private adb server was stopped');
  });

  it('kills a private adb server its process exits without stopping', async function () {
    const module = path.join(LAB, 'adbServerProcess.js');
    const owner = startNodeScript(
      `require(${JSON.stringify(module)}).PrivateAdbServer.start().then((adb) => { console.log(JSON.stringify([adb.port, adb.home])); process.exit(0); })`,
    );
    const [port, home] = JSON.parse(await owner.firstLine) as [number, string];
    assert.equal(await owner.exited, 0);
    // The exit hook's SIGTERM takes a moment to end the server (adb 34 may still accept and reset).
    await waitUntil(async () => !(await portAnswers(port)), 5000, 'the orphaned adb server to go', { everyMs: 20 });
    await assert.rejects(adbHostRequest(port, 'host:version', { timeoutMs: SETTLE_MS }), /ECONNREFUSED/);
    await assert.rejects(fs.access(home));
  });
});

/**
 * A node process running `code`; `firstLine` is the first line it prints. Registered, so that a
 * test that fails before it ends the process still has it killed (it would keep mocha alive).
 */
function startNodeScript(code: string): { child: ChildProcess; firstLine: Promise<string>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = register(`node script ${child.pid}`, async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  void exited.then(() => started.stop());
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().split('\n')[0]));
    void exited.then((code) => reject(new Error(`script exited (code ${code}) before printing`)));
  });
  return { child, firstLine, exited };
}

/** Alive and not a zombie (an orphan may wait for a reaper that a container does not have). */
async function isRunning(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}
