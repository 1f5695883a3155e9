// Wireless pairing below the UI, on the real worker and a real private adb server: this machine's
// adb 29 answers every pairing service with "unknown host service", which the worker reports as
// unsupported while it keeps watching; a newer server is the named fake of pairingAdbServer.ts in
// front of the real one, so that a pairing that succeeds connects a simulated device the real
// server then lists.

import * as assert from 'node:assert/strict';
import { createPoller, deviceIn, Harness, waitForSnapshot } from '../../lab/pollerHarness';
import { PairingAdbServer } from '../../lab/pairingAdbServer';
import { tcpSerial } from '../../lab/ports';
import { waitUntil } from '../../lab/wait';
import { AdbCommand, CommandResult } from '../../src/shared/types';
import { newPairingSecrets, PAIR_REPLY, parseMdnsServices, parsePairReply, TLS_CONNECT_SERVICE, TLS_PAIRING_SERVICE } from '../../src/shared/wirelessPairing';
import { useLab } from '../support/labFixture';
import { useProblemSpy } from '../support/problemSpy';

/** A pairing port: nothing listens there, the fake answers for the phone. */
const PAIRING_ADDRESS = '127.0.0.1:37001';

describe('wireless pairing (real worker, real adb server)', function () {
  this.timeout(30_000);
  const fixture = useLab();
  let harness: Harness | undefined;
  let fake: PairingAdbServer | undefined;
  useProblemSpy(
    () => harness,
    async () => {
      harness = undefined;
      await fake?.close();
      fake = undefined;
    },
  );

  /** Watches `server` through the real worker, until it is connected. */
  async function watch(server: string): Promise<Harness> {
    harness = createPoller({ servers: [server], pollIntervalMs: 200 });
    await harness.supervisor.start();
    await waitForSnapshot(harness.supervisor, (s) => s.servers[0].status === 'connected', 5000, `${server} connected`);
    return harness;
  }

  const run = (command: AdbCommand): Promise<CommandResult> => harness!.supervisor.runAdbCommand(command);

  const noLogMentions = (secret: string) =>
    assert.deepEqual(
      harness!.logs.filter((line) => line.includes(secret)),
      [],
      'a log line carries the password',
    );

  it('reports every pairing command as unsupported on adb 29, and keeps watching its devices', async () => {
    const server = fixture.adb.address;
    await watch(server);
    const { password } = newPairingSecrets();
    const commands: AdbCommand[] = [
      { kind: 'mdns-check', server },
      { kind: 'mdns-services', server },
      { kind: 'pair', server, address: PAIRING_ADDRESS, password },
    ];
    for (const command of commands) {
      const result = await run(command);
      assert.equal(result.unsupported, true, `${command.kind}: ${JSON.stringify(result)}`);
      assert.equal(result.ok, false);
      assert.match(result.message, /too old for wireless pairing/);
      assert.doesNotMatch(result.message, new RegExp(password));
    }
    const { serial } = await fixture.attach();
    const snapshot = await waitForSnapshot(harness!.supervisor, (s) => deviceIn(s, serial)?.state === 'device', 5000, 'a device attached after the refusals');
    assert.equal(snapshot.servers[0].status, 'connected');
    const sinceConnected = harness!.snapshots.slice(harness!.snapshots.findIndex((s) => s.servers[0].status === 'connected'));
    assert.deepEqual(
      sinceConnected.filter((s) => s.servers[0].status !== 'connected').map((s) => s.servers[0]),
      [],
      'the server never left connected',
    );
    noLogMentions(password);
  });

  describe('on a newer server (the pairing fake)', () => {
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

    it('gives the wrong-password reason for a wrong password, as newer and older servers frame it', async () => {
      fake!.advertise({ instance: 'adw-wrong', type: TLS_PAIRING_SERVICE, address: PAIRING_ADDRESS });
      fake!.expectPairing({ address: PAIRING_ADDRESS, password: 'right', device: '127.0.0.1:1' });
      for (const legacy of [false, true]) {
        fake!.legacy = legacy;
        const result = await run({ kind: 'pair', server, address: PAIRING_ADDRESS, password: 'wrong' });
        assert.equal(result.ok, false, result.message);
        assert.deepEqual(parsePairReply(result.message), { ok: false, reason: 'wrong-password', message: PAIR_REPLY.wrongPassword }, `legacy: ${legacy}`);
      }
    });

    it('never sends a password with a colon (the server would read the rest as the target)', async () => {
      const result = await run({ kind: 'pair', server, address: PAIRING_ADDRESS, password: '12:34' });
      assert.equal(result.ok, false);
      assert.match(result.message, /cannot contain ":"/);
      assert.deepEqual(fake!.pairRequests, []);
    });

    it('gives the time-out text when the phone never answers', async () => {
      fake!.holdMs = 300;
      fake!.advertise({ instance: 'adw-silent', type: TLS_PAIRING_SERVICE, address: PAIRING_ADDRESS });
      fake!.expectPairing({ instance: 'adw-silent', password: 'pw', device: '127.0.0.1:1', outcome: 'hold' });
      const result = await run({ kind: 'pair', server, address: PAIRING_ADDRESS, password: 'pw' });
      assert.deepEqual(parsePairReply(result.message), { ok: false, reason: 'no-pairing-client', message: PAIR_REPLY.noPairingClient });
      assert.equal(result.ok, false);
    });

    it('no longer lists a withdrawn pairing service, and cannot pair with it', async () => {
      fake!.advertise({ instance: 'adw-gone', type: TLS_PAIRING_SERVICE, address: PAIRING_ADDRESS });
      fake!.expectPairing({ instance: 'adw-gone', password: 'pw', device: '127.0.0.1:1' });
      const instances = async () => parseMdnsServices((await run({ kind: 'mdns-services', server })).message).services.map((s) => s.instance);
      assert.deepEqual(await instances(), ['adw-gone']);
      fake!.withdraw('adw-gone');
      assert.deepEqual(await instances(), []);
      const result = await run({ kind: 'pair', server, address: PAIRING_ADDRESS, password: 'pw' });
      assert.deepEqual(parsePairReply(result.message), { ok: false, reason: 'no-pairing-client', message: PAIR_REPLY.noPairingClient });
    });

    it('ends a pairing in progress with the dropped-connection text when the service goes away', async () => {
      fake!.advertise({ instance: 'adw-closed', type: TLS_PAIRING_SERVICE, address: PAIRING_ADDRESS });
      // Held for the default 10 s: only the withdrawal ends it sooner.
      fake!.expectPairing({ instance: 'adw-closed', password: 'pw', device: '127.0.0.1:1', outcome: 'hold' });
      const pairing = run({ kind: 'pair', server, address: PAIRING_ADDRESS, password: 'pw' });
      await waitUntil(() => fake!.pairRequests.length === 1, 5000, 'the pairing request', { on: [(listener) => fake!.onPairRequest(listener)] });
      fake!.withdraw('adw-closed');
      const result = await pairing;
      assert.deepEqual(parsePairReply(result.message), { ok: false, reason: 'wrong-password', message: PAIR_REPLY.wrongPassword });
    });
  });
});
