// The kind of failure (ServerState.problem) the real worker reports, each provoked on a real
// socket on 127.0.0.1: a refused port, a real adb server killed, a listener that drops SYNs (a host
// that black-holes packets), and named fakes for what a real adb server never does (silence, HTTP,
// a malformed or cut-off reply, a reset mid-reply).

import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Blackhole, startBlackhole } from '../support/blackholeListener';
import { listenOnLoopback } from '../../lab/ports';
import { FakeServer, startHttpServer, startSilentServer } from '../support/fakeServers';
import { PrivateAdbServer } from '../../lab/adbServerProcess';
import { createPoller, Harness, waitForSnapshot } from '../../lab/pollerHarness';
import { findFreePort } from '../../lab/ports';
import { deviceLine, HostileServer, startHostileServer } from '../support/hostileServer';
import { useProblemSpy } from '../support/problemSpy';
import { ServerState, Snapshot } from '../../src/core/types';

const TIMEOUT_MS = 500;

/** Named fake: answers OKAY and the start of a list, then resets the connection (RST). */
async function startResettingServer(): Promise<FakeServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', () => socket.write('OKAY00ffemulator-55', () => socket.resetAndDestroy()));
  });
  const port = await listenOnLoopback(server);
  return {
    port,
    address: `127.0.0.1:${port}`,
    connectionCount: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

describe('what kind of failure: ServerState.problem on real sockets (real worker)', function () {
  this.timeout(30_000);
  let harness: Harness | undefined;
  const closers: (() => Promise<void>)[] = [];

  useProblemSpy(
    () => harness,
    async () => {
      harness = undefined;
      await Promise.all(closers.splice(0).map((close) => close()));
    },
  );

  const byAddress = (snapshot: Snapshot) => new Map<string, ServerState>(snapshot.servers.map((server) => [server.address, server]));

  it('tells refused, silent, not adb, malformed, cut off, reset and black-holed apart', async () => {
    const refusedPort = await findFreePort();
    const silent = await startSilentServer();
    closers.push(() => silent.close());
    const web = await startHttpServer();
    closers.push(() => web.close());
    const devices = `${deviceLine('emulator-5554', 'device', { transport_id: '1' })}\n`;
    const malformed: HostileServer = await startHostileServer({ devices, listFraming: 'non-hex-length' });
    closers.push(() => malformed.close());
    const cutOff: HostileServer = await startHostileServer({ devices, listFraming: 'half-then-close' });
    closers.push(() => cutOff.close());
    const reset = await startResettingServer();
    closers.push(() => reset.close());
    const blackhole: Blackhole = await startBlackhole();
    closers.push(() => blackhole.close());

    const expected: [string, ServerState['problem'], RegExp][] = [
      [`127.0.0.1:${refusedPort}`, 'not-running', /connection refused/],
      [silent.address, 'not-answering', new RegExp(`accepted the connection but did not answer within ${TIMEOUT_MS} ms`)],
      [web.address, 'not-adb', /is not an adb server \(it answered "HTTP/],
      [malformed.address, 'not-adb', /malformed reply/],
      [cutOff.address, 'closed', /closed the connection mid-reply/],
      [reset.address, 'closed', /closed the connection/],
      [blackhole.address, 'host-unreachable', new RegExp(`did not accept a connection within ${TIMEOUT_MS} ms`)],
    ];
    harness = createPoller({ servers: expected.map(([address]) => address), pollIntervalMs: 200, requestTimeoutMs: TIMEOUT_MS });
    await harness.supervisor.start();
    const snapshot = await waitForSnapshot(
      harness.supervisor,
      (s) => s.servers.every((server) => server.status === 'unreachable'),
      10_000,
      'every server unreachable',
    );
    const servers = byAddress(snapshot);
    for (const [address, problem, error] of expected) {
      const server = servers.get(address)!;
      assert.equal(server.problem, problem, `${address}: ${JSON.stringify(server)}`);
      assert.match(server.error ?? '', error);
    }
  });

  it('a request to a host that drops packets fails at its deadline too (connect included)', async () => {
    const blackhole = await startBlackhole();
    closers.push(() => blackhole.close());
    harness = createPoller({ servers: [blackhole.address], pollIntervalMs: 200, requestTimeoutMs: TIMEOUT_MS });
    await harness.supervisor.start();
    const result = await harness.supervisor.runAdbCommand({ kind: 'version', server: blackhole.address });
    assert.equal(result.ok, false);
    assert.match(result.message, new RegExp(`did not accept a connection within ${TIMEOUT_MS} ms`));
    const down = await waitForSnapshot(harness.supervisor, (s) => s.servers[0].status === 'unreachable', 5000, 'unreachable');
    assert.equal(down.servers[0].problem, 'host-unreachable');
  });

  it('a real adb server killed: closed (its stream ended), then not-running (refused), then connected without a problem', async () => {
    const adb = await PrivateAdbServer.start();
    closers.push(() => adb.stop());
    harness = createPoller({ servers: [adb.address], pollIntervalMs: 60_000, requestTimeoutMs: 1000 });
    await harness.supervisor.start();
    await waitForSnapshot(harness.supervisor, (s) => s.servers[0].status === 'connected', 5000, 'connected');
    await adb.kill();
    await waitForSnapshot(harness.supervisor, (s) => s.servers[0].problem === 'not-running', 5000, 'not-running');
    // A dying server may close a reconnect attempt too before it refuses them: runs of one kind count once.
    const problems = harness.snapshots.map((s) => s.servers[0].problem ?? s.servers[0].status).filter((p, i, all) => p !== all[i - 1]);
    assert.deepEqual(problems, ['connected', 'closed', 'not-running']);
    await adb.restart();
    const up = await waitForSnapshot(harness.supervisor, (s) => s.servers[0].status === 'connected', 10_000, 'connected again');
    assert.equal(up.servers[0].problem, undefined);
    assert.equal(up.servers[0].error, undefined);
  });

  it('adb missing when the server must be started: adb-missing', async () => {
    const freePort = await findFreePort();
    harness = createPoller({ servers: [`127.0.0.1:${freePort}`], startServer: true, adbPath: path.join(os.tmpdir(), 'no-such-dir', 'adb') });
    await harness.supervisor.start();
    const snapshot = await waitForSnapshot(harness.supervisor, (s) => s.servers[0].status === 'unreachable', 5000, 'unreachable');
    assert.equal(snapshot.servers[0].problem, 'adb-missing');
    assert.match(snapshot.servers[0].error ?? '', /adb executable not found/);
  });
});
