// The pairing flow's state machine (src/pairing/model/pairingFlow.ts) against a scripted watcher: each adb
// command is answered as the test says, in the formats of AOSP's adb, and devices appear when the
// test lists them. Order and outcome only; the real server and the real VS Code are tested in
// test/adb/pairing.test.ts and test/vscode/ui/pairing.test.ts.

import * as assert from 'node:assert/strict';
import { Emitter } from '../../src/core/events';
import { checkPairingSupport, PairingFlow, PairingState, PairingTiming, showsQrCode } from '../../src/pairing/model/pairingFlow';
import { AdbCommand, Device } from '../../src/core/types';
import { PairingCommand, PairingResult } from '../../src/pairing/model/pairingCommands';
import { PAIR_REPLY, pairNoAnswerMessage, TLS_CONNECT_SERVICE, TLS_PAIRING_SERVICE } from '../../src/pairing/model/wirelessPairing';

type Command = PairingCommand | AdbCommand;

const SERVER = '127.0.0.1:5037';
const FAST: PairingTiming = { browseEveryMs: 5, phoneTimeoutMs: 300, pairTimeoutMs: 1000, connectAfterMs: 20, deviceTimeoutMs: 300 };
const SECRETS = { name: 'adw-AbCdEf1234', password: 'pw12pw12pw12' };
const GUID = 'adb-2A051FDH2002Z3-x1yZ2w';

class ScriptedWatcher {
  readonly commands: Command[] = [];
  devices: Device[] = [];
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;
  constructor(readonly answer: (command: Command, count: number) => PairingResult | Promise<PairingResult>) {}

  runAdbCommand(command: Command): Promise<PairingResult> {
    this.commands.push(command);
    return Promise.resolve(this.answer(command, this.commands.filter((c) => c.kind === command.kind).length));
  }

  list(serial: string): void {
    this.devices = [{ id: `${SERVER}/${serial}`, server: SERVER, serial, state: 'device', connection: 'tcp' }];
    this.changed.fire();
  }

  /** A change that has nothing to do with the phone (another device's details, a server's status). */
  fireUnrelated(): void {
    this.changed.fire();
  }
}

const services = (...lines: string[]): PairingResult => ({ ok: true, message: lines.map((line) => `${line}\n`).join('') });
const phoneAt = `${SECRETS.name}\t${TLS_PAIRING_SERVICE}\t192.168.1.86:37313`;

function record(flow: PairingFlow): string[] {
  const steps: string[] = [];
  flow.onDidChange((state) => steps.push(stepOf(state)));
  return steps;
}

function stepOf(state: PairingState): string {
  if (state.step === 'failed') return `failed:${state.at}:${state.failure}`;
  if (state.step === 'done') return `done:${state.device.serial}`;
  return state.step;
}

describe('pairing flow (scripted watcher)', () => {
  it('QR code: waits for the phone, pairs with its address and the password, and ends when adb lists the device', async () => {
    const watcher: ScriptedWatcher = new ScriptedWatcher((command, count) => {
      if (command.kind === 'mdns-services') return count < 3 ? services() : services('other\t_adb._tcp\t10.0.0.2:5555', phoneAt);
      if (command.kind === 'pair') {
        // The server's auto-connect lists the device under its mDNS name once paired.
        setImmediate(() => watcher.list(`${GUID}.${TLS_CONNECT_SERVICE}`));
        return { ok: true, message: `Successfully paired to 192.168.1.86:37313 [guid=${GUID}]` };
      }
      return { ok: false, message: `unexpected ${command.kind}` };
    });
    const flow = new PairingFlow(watcher, SERVER, FAST);
    const steps = record(flow);
    const end = await flow.pairWithQrCode(SECRETS);
    assert.equal(stepOf(end), `done:${GUID}.${TLS_CONNECT_SERVICE}`);
    assert.deepEqual(steps, ['waiting-for-phone', 'pairing', 'waiting-for-device', `done:${GUID}.${TLS_CONNECT_SERVICE}`]);
    assert.deepEqual(watcher.commands.filter((c) => c.kind === 'pair'), [{ kind: 'pair', server: SERVER, address: '192.168.1.86:37313', password: SECRETS.password, deadlineMs: FAST.pairTimeoutMs }]);
    assert.equal(watcher.commands.filter((c) => c.kind === 'connect').length, 0);
  });

  it('connects to the phone\'s connect service itself when the server does not, and ends on that address', async () => {
    const watcher: ScriptedWatcher = new ScriptedWatcher((command) => {
      if (command.kind === 'mdns-services') return services(`${GUID}\t${TLS_CONNECT_SERVICE}\t192.168.1.86:41235`, `someone-else\t${TLS_CONNECT_SERVICE}\t192.168.1.99:40000`);
      if (command.kind === 'pair') return { ok: true, message: `Successfully paired to 192.168.1.86:37313 [guid=${GUID}]` };
      if (command.kind === 'connect') {
        setImmediate(() => watcher.list(command.address));
        return { ok: true, message: `connected to ${command.address}` };
      }
      return { ok: false, message: 'unexpected' };
    });
    const flow = new PairingFlow(watcher, SERVER, FAST);
    const end = await flow.pairWithCode('192.168.1.86:37313', '123456');
    assert.equal(stepOf(end), 'done:192.168.1.86:41235');
    assert.deepEqual(watcher.commands.filter((c) => c.kind === 'connect'), [{ kind: 'connect', server: SERVER, address: '192.168.1.86:41235' }]);
    assert.deepEqual(watcher.commands.find((c) => c.kind === 'pair'), { kind: 'pair', server: SERVER, address: '192.168.1.86:37313', password: '123456', deadlineMs: FAST.pairTimeoutMs });
  });

  it('says the phone was not found when its pairing service never shows, and never pairs', async () => {
    const watcher = new ScriptedWatcher(() => services(`adw-SomeoneElse\t${TLS_PAIRING_SERVICE}\t192.168.1.50:37000`));
    const flow = new PairingFlow(watcher, SERVER, FAST);
    const end = await flow.pairWithQrCode(SECRETS);
    assert.equal(stepOf(end), 'failed:waiting-for-phone:phone-not-found');
    // The message goes to the log: the code's secrets stay out of it.
    assert.ok(end.step === 'failed' && !end.message.includes(SECRETS.name) && !end.message.includes(SECRETS.password), JSON.stringify(end));
    assert.equal(watcher.commands.filter((c) => c.kind === 'pair').length, 0);
  });

  it('names each pairing failure adb (or the worker\'s deadline) gives, with the phone\'s address', async () => {
    for (const [reply, failure] of [
      [PAIR_REPLY.wrongPassword, 'wrong-password'],
      [PAIR_REPLY.noPairingClient, 'phone-unreachable'],
      ['Invalid port while parsing address [192.168.1.86:37313]', 'invalid-address'],
      [pairNoAnswerMessage('192.168.1.86:37313', FAST.pairTimeoutMs), 'phone-not-answering'],
      ['Failed to parse address for pairing: bad', 'pairing-failed'],
    ] as const) {
      const watcher = new ScriptedWatcher(() => ({ ok: false, message: reply }));
      const end = await new PairingFlow(watcher, SERVER, FAST).pairWithCode('192.168.1.86:37313', '000000');
      assert.equal(stepOf(end), `failed:pairing:${failure}`);
      assert.deepEqual(end, { step: 'failed', at: 'pairing', failure, message: reply, address: '192.168.1.86:37313' });
      // The phone gets the flow's deadline, which the worker enforces.
      assert.deepEqual(watcher.commands, [{ kind: 'pair', server: SERVER, address: '192.168.1.86:37313', password: '000000', deadlineMs: FAST.pairTimeoutMs }]);
    }
  });

  it("takes the device adb connected by itself under any form of the phone's mDNS name, and connects nothing again", async () => {
    // The mDNSResponder backend (macOS) keeps DNS's trailing dot; an mDNS name clash renames the instance.
    for (const [advertised, serial] of [
      [GUID, `${GUID}.${TLS_CONNECT_SERVICE}.`],
      [`${GUID} (2)`, `${GUID} (2).${TLS_CONNECT_SERVICE}`],
      [`${GUID} (2)`, `${GUID} (2).${TLS_CONNECT_SERVICE}.`],
    ]) {
      const watcher: ScriptedWatcher = new ScriptedWatcher((command) => {
        if (command.kind === 'mdns-services') return services(`${advertised}\t${TLS_CONNECT_SERVICE}\t192.168.1.86:41235`);
        if (command.kind === 'pair') {
          setImmediate(() => watcher.list(serial));
          return { ok: true, message: `Successfully paired to 192.168.1.86:37313 [guid=${GUID}]` };
        }
        return { ok: true, message: `connected to ${(command as { address?: string }).address}` };
      });
      const end = await new PairingFlow(watcher, SERVER, FAST).pairWithCode('192.168.1.86:37313', '123456');
      assert.equal(stepOf(end), `done:${serial}`);
      assert.deepEqual(watcher.commands.filter((c) => c.kind === 'connect'), [], serial);
    }
  });

  it('connects the phone by the address of its renamed connect service when the server does not', async () => {
    const watcher: ScriptedWatcher = new ScriptedWatcher((command) => {
      if (command.kind === 'mdns-services') return services(`${GUID} (2)\t${TLS_CONNECT_SERVICE}\t192.168.1.86:41235`);
      if (command.kind === 'pair') return { ok: true, message: `Successfully paired to 192.168.1.86:37313 [guid=${GUID}]` };
      if (command.kind === 'connect') setImmediate(() => watcher.list(command.address));
      return { ok: true, message: 'connected to 192.168.1.86:41235' };
    });
    const end = await new PairingFlow(watcher, SERVER, FAST).pairWithCode('192.168.1.86:37313', '123456');
    assert.equal(stepOf(end), 'done:192.168.1.86:41235');
  });

  it('connects the phone itself as long after pairing as it said, however busy the device list is meanwhile', async () => {
    // Someone else's device list keeps changing faster than connectAfterMs.
    let unrelated: NodeJS.Timeout | undefined;
    const watcher: ScriptedWatcher = new ScriptedWatcher((command) => {
      if (command.kind === 'mdns-services') return services(`${GUID}\t${TLS_CONNECT_SERVICE}\t192.168.1.86:41235`);
      if (command.kind === 'pair') {
        unrelated = setInterval(() => watcher.fireUnrelated(), 2);
        return { ok: true, message: `Successfully paired to 192.168.1.86:37313 [guid=${GUID}]` };
      }
      if (command.kind === 'connect') setImmediate(() => watcher.list(command.address));
      return { ok: true, message: 'connected to 192.168.1.86:41235' };
    });
    try {
      const end = await new PairingFlow(watcher, SERVER, FAST).pairWithCode('192.168.1.86:37313', '123456');
      assert.equal(stepOf(end), 'done:192.168.1.86:41235');
      assert.deepEqual(watcher.commands.filter((c) => c.kind === 'connect'), [{ kind: 'connect', server: SERVER, address: '192.168.1.86:41235' }]);
    } finally {
      clearInterval(unrelated);
    }
  });

  it('through a server without mDNS: asks where to connect once paired, connects there, and ends on that device', async () => {
    const asked: string[] = [];
    const watcher: ScriptedWatcher = new ScriptedWatcher((command) => {
      asked.push(`${command.kind}`);
      if (command.kind === 'pair') return { ok: true, message: `Successfully paired to 192.168.1.86:37313 [guid=${GUID}]` };
      if (command.kind === 'connect') {
        setImmediate(() => watcher.list(command.address));
        return { ok: true, message: `connected to ${command.address}` };
      }
      return services();
    });
    const flow = new PairingFlow(watcher, SERVER, FAST);
    const steps = record(flow);
    const end = await flow.pairWithCode('192.168.1.86:37313', '123456', async () => {
      asked.push('the address');
      return '192.168.1.86:41235';
    });
    assert.equal(stepOf(end), 'done:192.168.1.86:41235');
    assert.deepEqual(steps, ['pairing', 'waiting-for-device', 'done:192.168.1.86:41235']);
    assert.deepEqual(asked, ['pair', 'the address', 'connect']);

    const dismissed = await new PairingFlow(watcher, SERVER, FAST).pairWithCode('192.168.1.86:37313', '123456', async () => undefined);
    assert.equal(stepOf(dismissed), 'failed:waiting-for-device:device-not-connected');
  });

  it('says when a paired device does not connect in time', async () => {
    const watcher = new ScriptedWatcher((command) =>
      command.kind === 'pair' ? { ok: true, message: `Successfully paired to 10.0.0.3:37000 [guid=${GUID}]` } : services(),
    );
    const end = await new PairingFlow(watcher, SERVER, FAST).pairWithCode('10.0.0.3:37000', '111111');
    assert.equal(stepOf(end), 'failed:waiting-for-device:device-not-connected');
  });

  it('ends as unsupported when the server does not know the mDNS services (platform-tools before 30)', async () => {
    const watcher = new ScriptedWatcher(() => ({ ok: false, unsupported: true, message: 'the adb server is too old' }));
    const end = await new PairingFlow(watcher, SERVER, FAST).pairWithQrCode(SECRETS);
    assert.equal(stepOf(end), 'failed:waiting-for-phone:unsupported');
  });

  it('ends a server that stops answering as a server failure, with its words', async () => {
    const watcher = new ScriptedWatcher(() => ({ ok: false, message: 'adb server 127.0.0.1:5037 did not answer within 2000 ms' }));
    const end = await new PairingFlow(watcher, SERVER, FAST).pairWithQrCode(SECRETS);
    assert.equal(stepOf(end), 'failed:waiting-for-phone:server-failed');
    assert.match(end.step === 'failed' ? end.message : '', /did not answer/);
  });

  it('rides out browses that fail for a while (the watcher restarting for new settings) and still pairs', async () => {
    const watcher: ScriptedWatcher = new ScriptedWatcher((command, count) => {
      if (command.kind === 'mdns-services') return count <= 3 ? { ok: false, message: 'the device watcher is starting; try again once it runs' } : services(phoneAt);
      setImmediate(() => watcher.list(`${GUID}.${TLS_CONNECT_SERVICE}`));
      return { ok: true, message: `Successfully paired to 192.168.1.86:37313 [guid=${GUID}]` };
    });
    const end = await new PairingFlow(watcher, SERVER, FAST).pairWithQrCode(SECRETS);
    assert.equal(stepOf(end), `done:${GUID}.${TLS_CONNECT_SERVICE}`);
  });

  it('cancels at once, even with a pairing request still in flight, and sends nothing after', async () => {
    let pairAsked!: () => void;
    const asked = new Promise<void>((resolve) => (pairAsked = resolve));
    const watcher = new ScriptedWatcher((command) => {
      if (command.kind !== 'pair') return services(phoneAt);
      pairAsked();
      return new Promise<PairingResult>(() => undefined); // the phone never answers
    });
    const flow = new PairingFlow(watcher, SERVER, { ...FAST, phoneTimeoutMs: 60_000 });
    const steps = record(flow);
    const ended = flow.pairWithQrCode(SECRETS);
    await asked;
    flow.cancel();
    assert.equal(stepOf(await ended), 'cancelled');
    assert.deepEqual(steps, ['waiting-for-phone', 'pairing', 'cancelled']);
    const sent = watcher.commands.length;
    await new Promise((resolve) => setTimeout(resolve, FAST.connectAfterMs * 3));
    assert.equal(watcher.commands.length, sent);
  });

  it('cancels while waiting for the phone', async () => {
    const watcher = new ScriptedWatcher(() => services());
    const flow = new PairingFlow(watcher, SERVER, { ...FAST, phoneTimeoutMs: 60_000 });
    const ended = flow.pairWithQrCode(SECRETS);
    flow.dispose();
    assert.equal(stepOf(await ended), 'cancelled');
    assert.equal(watcher.commands.filter((c) => c.kind === 'pair').length, 0);
  });

  it('shows the QR code only while it waits for the phone to scan it', () => {
    const shown = (['waiting-for-phone', 'pairing', 'waiting-for-device', 'cancelled'] as const).filter((step) => showsQrCode({ step }));
    assert.deepEqual(shown, ['waiting-for-phone']);
    assert.equal(showsQrCode({ step: 'failed', at: 'waiting-for-phone', failure: 'phone-not-found', message: '' }), false);
    assert.equal(showsQrCode({ step: 'done', device: { id: 'x', server: SERVER, serial: 'x', state: 'device', connection: 'tcp' } }), false);
  });

  it('tells what a server can pair with from its mdns check', async () => {
    const answers: [PairingResult, string][] = [
      [{ ok: true, message: 'mdns daemon version [Openscreen discovery 0.0.0]' }, 'qr false'],
      [{ ok: false, message: 'ERROR: mdns discovery disabled' }, 'code false'],
      [{ ok: false, builtWithoutMdns: true, message: 'built without mDNS' }, 'code true'],
      [{ ok: false, unsupported: true, message: 'too old' }, 'none false'],
    ];
    for (const [answer, expected] of answers) {
      const support = await checkPairingSupport(new ScriptedWatcher(() => answer), SERVER);
      assert.equal(`${support.can} ${support.builtWithoutMdns}`, expected, answer.message);
      assert.equal(support.message, answer.message);
    }
  });
});
