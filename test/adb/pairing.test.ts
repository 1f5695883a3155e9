// Wireless pairing below the UI, on the real worker and a real private adb server, asserting what
// the lab's release answers (labAdbRelease()): adb 29 knows none of the pairing services ("unknown
// host service": the worker says unsupported and keeps watching); Debian's adb 34 pairs, but was
// built without mDNS (an empty `host:mdns:check`), and gives its failure texts for real against
// loopback ports standing for a phone's pairing port: nothing listening, one that drops packets, a
// peer that closes at once or mid-pairing, one that accepts and never answers. Only what no adb
// here can do (a phone found by mDNS, a pairing that succeeds, platform-tools 30's framing) goes
// through the named fake of pairingAdbServer.ts, in front of the real server, so that a pairing
// that succeeds connects a simulated device the real server then lists.

import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { labAdbRelease } from '../../lab/adbServerProcess';
import { PairingAdbServer } from '../../lab/pairingAdbServer';
import { createPoller, deviceIn, Harness, waitForSnapshot } from '../../lab/pollerHarness';
import { findFreePort, listenOnLoopback, tcpSerial } from '../../lab/ports';
import { connectionsTo } from '../../lab/resources';
import { waitUntil } from '../../lab/wait';
import { checkPairingSupport, PairingFlow, PairingWatcher } from '../../src/pairing/model/pairingFlow';
import { pairingLine } from '../../src/pairing/model/pairingFlow';
import { AdbCommand, PollerConfig } from '../../src/core/types';
import { PairingCommand, PairingResult, runPairingCommand } from '../../src/pairing/model/pairingCommands';
import { newPairingSecrets, PAIR_REPLY, parseMdnsServices, parsePairReply, TLS_CONNECT_SERVICE, TLS_PAIRING_SERVICE } from '../../src/pairing/model/wirelessPairing';
import { startBlackhole } from '../support/blackholeListener';
import { useLab } from '../support/labFixture';
import { useProblemSpy } from '../support/problemSpy';
import { StartedHere } from '../support/started';

/** A pairing port for the fake: nothing listens there, the fake answers for the phone. */
const PAIRING_ADDRESS = '127.0.0.1:37001';
/** The first release with `adb pair` (platform-tools 30.0.0). */
const FIRST_PAIRING_RELEASE = 30;

/** A loopback port standing for a phone's pairing port: `onConnection` gets adb's pairing connection. */
interface PhonePort {
  address: string;
  /** adb's pairing connections, as they came. */
  readonly connections: net.Socket[];
  /** Resolves at adb's next pairing connection (or the last one, if one came). */
  connected(): Promise<net.Socket>;
}

describe('wireless pairing (real worker, real adb server)', function () {
  this.timeout(30_000);
  const fixture = useLab();
  const phones = new StartedHere();
  let release: number;
  let harness: Harness | undefined;
  let fake: PairingAdbServer | undefined;
  useProblemSpy(
    () => harness,
    async () => {
      harness = undefined;
      await fake?.close();
      fake = undefined;
      await phones.stopAll();
    },
  );

  before(async () => {
    release = await labAdbRelease();
  });

  /** Watches `server` through the real worker, until it is connected. */
  async function watch(server: string, config: Partial<PollerConfig> = {}): Promise<Harness> {
    harness = createPoller({ servers: [server], pollIntervalMs: 200, ...config });
    await harness.supervisor.start();
    await waitForSnapshot(harness.supervisor, (s) => s.servers[0].status === 'connected', 5000, `${server} connected`);
    return harness;
  }

  /** Pairing's commands as the product sends them: host services through the real worker. */
  const run = (command: PairingCommand | AdbCommand): Promise<PairingResult> =>
    runPairingCommand((adbCommand) => harness!.supervisor.runAdbCommand(adbCommand), command);

  /** The watcher as the pairing flow sees it: the real worker's commands and device list. */
  const flowWatcher = (): PairingWatcher => ({
    runAdbCommand: run,
    get devices() {
      return harness!.supervisor.snapshot?.devices ?? [];
    },
    onDidChange: harness!.supervisor.onDidChangeDevices,
  });

  const noLogMentions = (secret: string) =>
    assert.deepEqual(
      harness!.logs.filter((line) => line.includes(secret)),
      [],
      'a log line carries the password',
    );

  /** Listens on a free loopback port for adb's pairing connections; closed after the test. */
  async function phonePort(onConnection: (socket: net.Socket) => void = () => undefined): Promise<PhonePort> {
    const connections: net.Socket[] = [];
    const waiting: ((socket: net.Socket) => void)[] = [];
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      connections.push(socket);
      for (const resolve of waiting.splice(0)) resolve(socket);
      onConnection(socket);
    });
    const port = await phones.start('a phone pairing port', listenOnLoopback(server), () => {
      for (const socket of connections) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    return {
      address: tcpSerial(port),
      connections,
      connected: () => (connections.length > 0 ? Promise.resolve(connections[connections.length - 1]) : new Promise((resolve) => waiting.push(resolve))),
    };
  }

  /** On adb 29 every pairing command is refused as unknown: unsupported, in our words, without the password. */
  function assertTooOld(result: PairingResult, password?: string): void {
    assert.equal(result.unsupported, true, JSON.stringify(result));
    assert.equal(result.ok, false);
    assert.match(result.message, /too old for wireless pairing/);
    if (password) assert.doesNotMatch(result.message, new RegExp(password));
  }

  it('answers each pairing command as the lab\'s adb release does, and keeps watching its devices', async () => {
    const server = fixture.adb.address;
    await watch(server);
    const { password } = newPairingSecrets();
    const nobody = tcpSerial(await findFreePort());
    const check = await run({ kind: 'mdns-check', server });
    const services = await run({ kind: 'mdns-services', server });
    const pair = await run({ kind: 'pair', server, address: nobody, password });
    if (release < FIRST_PAIRING_RELEASE) {
      for (const result of [check, services, pair]) assertTooOld(result, password);
    } else {
      // Debian's build has no mDNS: it answers the check with nothing, and finds nothing.
      assert.deepEqual({ ...check, message: '' }, { ok: false, builtWithoutMdns: true, message: '' });
      assert.match(check.message, new RegExp(`${server.replace(/\./g, '\\.')} was built without mDNS discovery`));
      assert.deepEqual(services, { ok: true, message: '' });
      assert.deepEqual(pair, { ok: false, message: PAIR_REPLY.noPairingClient });
    }
    // Both releases speak protocol 41, and list a device the same way.
    assert.deepEqual(await run({ kind: 'version', server }), { ok: true, message: '41' });
    const { serial } = await fixture.attach({ model: 'Pixel_8' });
    const snapshot = await waitForSnapshot(harness!.supervisor, (s) => deviceIn(s, serial)?.state === 'device', 5000, 'a device attached after the pairing commands');
    assert.equal(deviceIn(snapshot, serial)?.model, 'Pixel_8');
    assert.equal(deviceIn(snapshot, serial)?.connection, 'tcp');
    assert.equal(snapshot.servers[0].status, 'connected');
    const sinceConnected = harness!.snapshots.slice(harness!.snapshots.findIndex((s) => s.servers[0].status === 'connected'));
    assert.deepEqual(
      sinceConnected.filter((s) => s.servers[0].status !== 'connected').map((s) => s.servers[0]),
      [],
      'the server never left connected',
    );
    noLogMentions(password);
  });

  describe("the real server's pairing replies", () => {
    let server: string;
    beforeEach(() => {
      server = fixture.adb.address;
    });

    /** `pair` with the phone at `address`: adb 34's reply is checked by `expect`, adb 29's refusal by assertTooOld. */
    async function pair(address: string, expect: (result: PairingResult) => void, deadlineMs?: number): Promise<void> {
      const result = await run({ kind: 'pair', server, address, password: '123456', ...(deadlineMs !== undefined && { deadlineMs }) });
      if (release < FIRST_PAIRING_RELEASE) assertTooOld(result);
      else expect(result);
    }

    it('cannot reach a phone where nothing listens, or where the connection never opens: "Unable to start pairing client."', async () => {
      await watch(server);
      const unreachable = (result: PairingResult) => {
        assert.deepEqual(result, { ok: false, message: PAIR_REPLY.noPairingClient });
        assert.deepEqual(parsePairReply(result.message), { ok: false, reason: 'no-pairing-client', message: result.message });
      };
      await pair(tcpSerial(await findFreePort()), unreachable);
      // Packets dropped: adb gives up its connect after its own 10 s, inside the worker's deadline.
      const blackhole = await phones.start('a black-holed phone port', startBlackhole(), (started) => started.close());
      await pair(blackhole.address, unreachable);
    });

    it('is refused by a phone that closes the connection at once, or mid-pairing (its dialog closed): "Wrong password or connection was dropped."', async () => {
      await watch(server);
      const closesAtOnce = await phonePort((socket) => socket.destroy());
      await pair(closesAtOnce.address, (result) => assert.deepEqual(result, { ok: false, message: PAIR_REPLY.wrongPassword }));
      // This one waits for adb's first message of the pairing, then goes away.
      const closesMidway = await phonePort((socket) => socket.once('data', () => socket.destroy()));
      await pair(closesMidway.address, (result) => {
        assert.deepEqual(result, { ok: false, message: PAIR_REPLY.wrongPassword });
        assert.equal(closesMidway.connections.length, 1, 'adb opened one pairing connection');
      });
    });

    it('refuses a target that is no host:port (no port, an mDNS instance name): "Invalid port while parsing address"', async () => {
      await watch(server);
      for (const target of ['127.0.0.1', `adw-AbCdEf1234.${TLS_PAIRING_SERVICE}`]) {
        await pair(target, (result) => {
          assert.deepEqual(result, { ok: false, message: `Invalid port while parsing address [${target}]` });
          assert.deepEqual(parsePairReply(result.message), { ok: false, reason: 'invalid-address', message: result.message });
        });
      }
    });

    it('ends a pairing the phone never answers at its deadline, naming the phone, and leaves no connection behind', async () => {
      // Polls a minute apart: between them the push stream is the worker's one connection to the
      // server, and the pairing's own is the one more.
      await watch(server, { pollIntervalMs: 60_000 });
      const streamOnly = 1;
      const worker = () => connectionsTo(fixture.adb.port);
      await waitUntil(async () => (await worker()) === streamOnly, 5000, 'only the push stream open', { everyMs: 20 });
      const silent = await phonePort();
      const pairing = run({ kind: 'pair', server, address: silent.address, password: '123456', deadlineMs: 2000 });
      if (release < FIRST_PAIRING_RELEASE) {
        assertTooOld(await pairing);
        return;
      }
      await silent.connected();
      // At least: a detail read or the fixture's own client may be open beside it for a moment.
      assert.ok((await worker()) >= streamOnly + 1, 'the pairing request is open while adb talks to the phone');
      const result = await pairing;
      assert.deepEqual(parsePairReply(result.message), { ok: false, reason: 'no-answer', message: result.message });
      assert.equal(result.ok, false);
      assert.match(result.message, new RegExp(`^No answer from the phone at ${silent.address.replace(/\./g, '\\.')} within 2 s`));
      await waitUntil(async () => (await worker()) === streamOnly, 5000, 'the pairing connection to the server closed', { everyMs: 20 });
      // adb itself keeps waiting for that phone (it has no deadline), but answers the next pairing at once.
      assert.equal(silent.connections.filter((socket) => !socket.destroyed).length, 1);
      assert.deepEqual(await run({ kind: 'pair', server, address: tcpSerial(await findFreePort()), password: '123456' }), { ok: false, message: PAIR_REPLY.noPairingClient });
      assert.equal(harness!.supervisor.snapshot?.servers[0].status, 'connected');
    });
  });

  describe('the pairing flow and the Troubleshoot report on the real server', () => {
    it('tell what the server can pair with: nothing on adb 29, a code only on a build without mDNS', async () => {
      const server = fixture.adb.address;
      await watch(server);
      const support = await checkPairingSupport(flowWatcher(), server);
      if (release < FIRST_PAIRING_RELEASE) {
        assert.deepEqual({ ...support, message: '' }, { can: 'none', builtWithoutMdns: false, message: '' });
        assert.match(pairingLine(support), /^cannot pair: too old/);
      } else {
        assert.deepEqual({ ...support, message: '' }, { can: 'code', builtWithoutMdns: true, message: '' });
        assert.match(pairingLine(support), /built without mDNS discovery \(as the Linux distributions' adb packages are\).*Google's platform-tools have mDNS/);
      }
    });

    it('pairs with a typed address and ends with what adb said, naming the phone', async () => {
      const server = fixture.adb.address;
      await watch(server);
      const closes = await phonePort((socket) => socket.destroy());
      const flow = new PairingFlow(flowWatcher(), server);
      try {
        const end = await flow.pairWithCode(closes.address, '123456', () => Promise.reject(new Error('never paired: nothing to connect')));
        if (release < FIRST_PAIRING_RELEASE) {
          assert.deepEqual(end.step === 'failed' && [end.at, end.failure], ['pairing', 'unsupported']);
        } else {
          assert.deepEqual(end, { step: 'failed', at: 'pairing', failure: 'wrong-password', message: PAIR_REPLY.wrongPassword, address: closes.address });
        }
      } finally {
        flow.dispose();
      }
    });
  });

  describe('on a newer server with a phone on the network (the pairing fake)', () => {
    let server: string;

    beforeEach(async () => {
      fake = await PairingAdbServer.start(fixture.adb.port);
      server = fake.address;
      await watch(server);
    });

    it('checks mDNS and lists what is advertised, for the parser', async () => {
      fake!.advertise({ instance: 'adw-scanned', type: TLS_PAIRING_SERVICE, address: PAIRING_ADDRESS });
      fake!.advertise({ instance: 'adb-R58M-abc123', type: TLS_CONNECT_SERVICE, address: '127.0.0.1:39149' });
      fake!.advertise({ instance: 'Living room printer', type: '_ipp._tcp', address: '[fe80::1]:631' });
      const check = await run({ kind: 'mdns-check', server });
      assert.equal(check.ok, true, check.message);
      assert.match(check.message, /^mdns daemon version \[/);
      const listed = await run({ kind: 'mdns-services', server });
      assert.equal(listed.ok, true, listed.message);
      assert.deepEqual(parseMdnsServices(listed.message), {
        services: [
          { instance: 'adw-scanned', type: TLS_PAIRING_SERVICE, host: '127.0.0.1', port: 37001, address: PAIRING_ADDRESS },
          { instance: 'adb-R58M-abc123', type: TLS_CONNECT_SERVICE, host: '127.0.0.1', port: 39149, address: '127.0.0.1:39149' },
          { instance: 'Living room printer', type: '_ipp._tcp', host: 'fe80::1', port: 631, address: '[fe80::1]:631' },
        ],
        skipped: [],
      });
    });

    it('pairs with the password of the QR code, and the device then appears in the watcher', async () => {
      const secrets = newPairingSecrets();
      const device = tcpSerial((await fixture.lab.addDevice()).port);
      // The phone scanned the code: it advertises its pairing service under the code's name.
      fake!.advertise({ instance: secrets.name, type: TLS_PAIRING_SERVICE, address: PAIRING_ADDRESS });
      fake!.expectPairing({ instance: secrets.name, password: secrets.password, device });
      const found = parseMdnsServices((await run({ kind: 'mdns-services', server })).message).services.find((s) => s.instance === secrets.name);
      assert.ok(found, 'the scanned pairing service is listed');

      const result = await run({ kind: 'pair', server, address: found.address, password: secrets.password });
      assert.equal(result.ok, true, result.message);
      const outcome = parsePairReply(result.message);
      assert.ok(outcome.ok, result.message);
      assert.deepEqual(fake!.pairRequests, [{ password: secrets.password, target: PAIRING_ADDRESS, reply: result.message }]);
      await waitForSnapshot(harness!.supervisor, (s) => deviceIn(s, device)?.state === 'device', 5000, 'the paired device');
      // The pairing dialog closed; the device's connect service is there, named by its guid.
      assert.deepEqual(
        parseMdnsServices((await run({ kind: 'mdns-services', server })).message).services.map((s) => [s.instance, s.type, s.address]),
        [[outcome.guid, TLS_CONNECT_SERVICE, device]],
      );
      noLogMentions(secrets.password);
    });

    it("reads a failure as platform-tools 30 frames it (the text after OKAY, no FAIL)", async () => {
      fake!.advertise({ instance: 'adw-wrong', type: TLS_PAIRING_SERVICE, address: PAIRING_ADDRESS });
      fake!.expectPairing({ address: PAIRING_ADDRESS, password: 'right', device: '127.0.0.1:1' });
      fake!.legacy = true;
      const result = await run({ kind: 'pair', server, address: PAIRING_ADDRESS, password: 'wrong' });
      assert.deepEqual(result, { ok: false, message: PAIR_REPLY.wrongPassword });
    });

    it('never sends a password with a colon (the server would read the rest as the target)', async () => {
      const result = await run({ kind: 'pair', server, address: PAIRING_ADDRESS, password: '12:34' });
      assert.equal(result.ok, false);
      assert.match(result.message, /cannot contain ":"/);
      assert.deepEqual(fake!.pairRequests, []);
    });

    it('no longer lists a withdrawn pairing service', async () => {
      fake!.advertise({ instance: 'adw-gone', type: TLS_PAIRING_SERVICE, address: PAIRING_ADDRESS });
      const instances = async () => parseMdnsServices((await run({ kind: 'mdns-services', server })).message).services.map((s) => s.instance);
      assert.deepEqual(await instances(), ['adw-gone']);
      fake!.withdraw('adw-gone');
      assert.deepEqual(await instances(), []);
    });
  });
});
