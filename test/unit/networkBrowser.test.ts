// NetworkBrowser (src/pairing/model/networkBrowser.ts) over scripted adb answers: it browses only while
// watched, leaves a too-old server alone after its first answer, and tells connected phones from
// the ones still to connect.

import * as assert from 'node:assert/strict';
import { NetworkBrowser } from '../../src/pairing/model/networkBrowser';
import { CommandResult, Device } from '../../src/core/types';
import { PairingCommand } from '../../src/pairing/model/pairingCommands';
import { TLS_CONNECT_SERVICE, TLS_PAIRING_SERVICE } from '../../src/pairing/model/wirelessPairing';

const NEW = '127.0.0.1:5037';
const OLD = '127.0.0.1:5038';

function scripted(answer: (server: string) => CommandResult) {
  const asked: string[] = [];
  let waiting: (() => void) | undefined;
  const run = (command: PairingCommand) => {
    asked.push(command.server);
    waiting?.();
    return Promise.resolve(answer(command.server));
  };
  /** Resolves once `count` requests were made in all. */
  const requests = async (count: number) => {
    while (asked.length < count) await new Promise<void>((resolve) => (waiting = resolve));
  };
  return { asked, run, requests };
}

const device = (server: string, serial: string): Device => ({ id: `${server}/${serial}`, server, serial, state: 'device', connection: 'tcp' });

describe('NetworkBrowser', () => {
  let browser: NetworkBrowser | undefined;
  afterEach(() => browser?.dispose());

  it('lists what each server sees, asks a too-old server once, and stops asking when no one watches', async () => {
    const lines = [`adb-A-1\t${TLS_CONNECT_SERVICE}\t192.168.1.20:41000`, `adb-B-2\t${TLS_CONNECT_SERVICE}\t192.168.1.21:42000`, `adw-x\t${TLS_PAIRING_SERVICE}\t192.168.1.22:37000`];
    const adb = scripted((server) => (server === OLD ? { ok: false, unsupported: true, message: 'unknown host service' } : { ok: true, message: `${lines.join('\n')}\n` }));
    browser = new NetworkBrowser(adb.run, () => [NEW, OLD], 1);
    const changed = new Promise<void>((resolve) => browser!.onDidChange(() => resolve()));
    const watch = browser.watch();
    await changed;
    assert.deepEqual(browser.services.map((s) => `${s.server} ${s.instance} ${s.address}`), lines.map((line) => `${NEW} ${line.split('\t')[0]} ${line.split('\t')[2]}`));
    // Connected under its address or under its mDNS name: not offered again.
    assert.deepEqual(
      browser.unconnected([device(NEW, '192.168.1.20:41000'), device(OLD, `adb-B-2.${TLS_CONNECT_SERVICE}`)]).map((s) => s.instance),
      ['adb-B-2'],
    );
    assert.deepEqual(browser.unconnected([device(NEW, `adb-B-2.${TLS_CONNECT_SERVICE}`)]).map((s) => s.instance), ['adb-A-1']);
    await adb.requests(5);
    assert.deepEqual(adb.asked.filter((s) => s === OLD), [OLD]);
    watch.dispose();
    const after = adb.asked.length;
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.ok(adb.asked.length <= after + 1, `still browsing: ${adb.asked.length - after} more requests`);
  });

  it('keeps browsing after a round with nothing to ask (every server too old), and asks a server added later', async () => {
    const adb = scripted((server) => (server === OLD ? { ok: false, unsupported: true, message: 'unknown host service' } : { ok: true, message: `adb-N-1\t${TLS_CONNECT_SERVICE}\t10.0.0.9:40000\n` }));
    let servers = [OLD];
    browser = new NetworkBrowser(adb.run, () => servers, 1);
    const watch = browser.watch();
    await adb.requests(1);
    // Rounds now ask nobody: OLD is known to be too old. Then a newer server is configured.
    await new Promise((resolve) => setTimeout(resolve, 20));
    servers = [OLD, NEW];
    await adb.requests(2);
    assert.deepEqual(adb.asked, [OLD, NEW]);
    watch.dispose();
  });

  it("does not offer a phone adb connected by itself, whatever form of its mDNS name the serial takes", async () => {
    const lines = [`adb-A-1\t${TLS_CONNECT_SERVICE}\t192.168.1.20:41000`, `adb-B-2 (2)\t${TLS_CONNECT_SERVICE}\t192.168.1.21:42000`, `adb-C-3\t${TLS_CONNECT_SERVICE}\t192.168.1.22:43000`];
    const adb = scripted(() => ({ ok: true, message: `${lines.join('\n')}\n` }));
    browser = new NetworkBrowser(adb.run, () => [NEW], 1);
    const changed = new Promise<void>((resolve) => browser!.onDidChange(() => resolve()));
    const watch = browser.watch();
    await changed;
    const devices = [
      // The mDNSResponder backend (macOS) keeps DNS's trailing dot.
      device(NEW, `adb-A-1.${TLS_CONNECT_SERVICE}.`),
      // Connected before its service was renamed after an mDNS name clash.
      device(NEW, `adb-B-2.${TLS_CONNECT_SERVICE}`),
      // The same phone on another server does not count.
      device(OLD, `adb-C-3.${TLS_CONNECT_SERVICE}.`),
    ];
    assert.deepEqual(browser.unconnected(devices).map((s) => s.instance), ['adb-C-3']);
    watch.dispose();
  });
});
