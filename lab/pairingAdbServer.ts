// A NAMED FAKE of a newer adb server's wireless pairing (platform-tools 30+), in front of a REAL adb
// server: an AdbProxy that answers `host:mdns:check`, `host:mdns:services` and `host:pair:...`
// itself and passes every other request to the real server. It stands only for what no adb on
// this machine can do: a phone found on the network by mDNS (adb 29 knows none of these
// services; Debian's adb 34 has no mDNS in its build), a pairing that succeeds (that needs a
// phone's side of the pairing protocol), and the framing of platform-tools 30 (`legacy`).
// Everything else a newer server answers (each failure text, the OKAY-then-FAIL framing, a build
// without mDNS) is tested on the real adb 34 (test/adb/pairing.test.ts).
// What it advertises stands for the phones on the network; a pairing that succeeds does what a
// phone and the server's mDNS auto-connect do: the phone advertises its `_adb-tls-connect._tcp`
// service and the server connects it, here a simulated TCP device the real server then lists.
// Formats and texts are AOSP adb's (packages/modules/adb):
//   - adb.cpp `handle_mdns_request`: OKAY and a length-prefixed text for both mdns services;
//   - client/transport_mdns.cpp `mdns_check`: "mdns daemon version [Openscreen discovery 0.0.0]";
//     `mdns_list_discovered_services`: "instance\ttype\taddress:port\n" per service;
//   - services.cpp `host_service_to_socket`: `pair:PASSWORD:TARGET` (the password ends at the first
//     `:`; without one the service is unknown); OKAY at once, the answer when pairing is over;
//     `pair_service`: a failure as FAIL and the text (platform-tools 30: the text alone, `legacy`);
//   - client/adb_wifi.cpp `adb_wifi_pair_device`: the texts (PAIR_REPLY, wirelessPairing.ts).
// Scenarios: the right password pairs, a wrong one fails, an address nothing advertises cannot be
// reached, and a withdrawn pairing service is no longer listed.

import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { formatHostPort, parseHostPort } from '../src/core/address';
import { TLS_CONNECT_SERVICE, TLS_PAIRING_SERVICE, PAIR_REPLY } from '../src/pairing/model/wirelessPairing';
import { AdbProxy } from './adbProxy';
import { adbHostRequest } from './hostProtocol';

export interface AdvertisedService {
  instance: string;
  /** `_adb-tls-pairing._tcp`, `_adb-tls-connect._tcp`, `_adb._tcp`. */
  type: string;
  /** `host:port`. */
  address: string;
}

export interface PairingExpectation {
  /** The pairing service it is for: its instance name (a QR code's service name) or its address. */
  instance?: string;
  address?: string;
  password: string;
  /** `host:port` of a simulated TCP device, connected on the real server once paired (while the fake's mDNS runs). */
  device: string;
  /** The device's guid (its connect service's instance name); `adb-sim<port>-xxxxxx` by default. */
  guid?: string;
}

export interface PairRequest {
  password: string;
  /** What the client asked to pair with: a pairing service's address or instance name. */
  target: string;
  /** The text answered, once answered. */
  reply?: string;
}

const MDNS_CHECK_REPLY = 'mdns daemon version [Openscreen discovery 0.0.0]';
/** mdns_check's answer when discovery cannot run (client/mdnsresponder_client.cpp). */
const MDNS_UNAVAILABLE_REPLY = 'ERROR: mdns daemon unavailable';

/**
 * The server's mDNS: `running`; `unavailable` (it has mDNS but cannot run it); `not-built` (a
 * build without it, as Debian's adb 34 answers: nothing; the pairing still works, but nothing is
 * found on the network and a paired phone is not connected by the server).
 */
export type FakeMdns = 'running' | 'unavailable' | 'not-built';

export class PairingAdbServer {
  /** Every pairing request, in order (the password included: what the QR code carried). */
  readonly pairRequests: PairRequest[] = [];
  /**
   * Answer as older servers do: a pairing failure as a plain text (services.cpp before failures went
   * out as FAIL) and service types with DNS's trailing dot (the mDNSResponder backend).
   */
  legacy = false;
  /** What its mDNS is like. */
  mdns: FakeMdns = 'running';
  private readonly services: AdvertisedService[] = [];
  private readonly expectations: PairingExpectation[] = [];
  private readonly events = new EventEmitter();

  private constructor(
    private readonly proxy: AdbProxy,
    private readonly upstreamPort: number,
  ) {
    proxy.plan = (service) => (this.answers(service) ? { answer: (client) => this.answer(client, service) } : 'pass');
  }

  /** In front of the real adb server on 127.0.0.1:upstreamPort. */
  static async start(upstreamPort: number): Promise<PairingAdbServer> {
    return new PairingAdbServer(await AdbProxy.start(upstreamPort), upstreamPort);
  }

  get port(): number {
    return this.proxy.port;
  }

  /** Where clients reach it: `127.0.0.1:PORT`. */
  get address(): string {
    return this.proxy.address;
  }

  /** Resolves once a client has asked for `service` `count` times through it (a watcher that opened its stream). */
  requested(service: string, count = 1, timeoutMs = 10_000): Promise<void> {
    return this.proxy.requestCount(service, count, timeoutMs);
  }

  /** Fires on every pairing request, as it arrives (for waitUntil's `on`). */
  onPairRequest(listener: () => void): { dispose(): void } {
    this.events.on('pair', listener);
    return { dispose: () => this.events.off('pair', listener) };
  }

  /** A phone on the network advertises a service (replacing one of the same instance and type). */
  advertise(service: AdvertisedService): void {
    const address = normalized(service.address);
    if (!address) throw new Error(`advertise: ${service.address} is not host:port`);
    this.withdrawWhere((s) => s.instance === service.instance && s.type === service.type);
    this.services.push({ ...service, address });
  }

  /** The instance's services go away (the pairing dialog closed). */
  withdraw(instance: string): void {
    this.withdrawWhere((s) => s.instance === instance);
  }

  /** The phone behind a pairing service waits for this password. */
  expectPairing(expectation: PairingExpectation): void {
    if ((expectation.instance === undefined) === (expectation.address === undefined)) {
      throw new Error('expectPairing: give the pairing service by instance or by address, one of them');
    }
    this.expectations.push({ ...expectation, address: expectation.address && normalized(expectation.address) });
  }

  close(): Promise<void> {
    return this.proxy.close();
  }

  private answers(service: string): boolean {
    return service === 'host:mdns:check' || service === 'host:mdns:services' || service.startsWith('host:pair:');
  }

  private answer(client: net.Socket, service: string): void {
    if (service === 'host:mdns:check') return this.reply(client, 'OKAY', { running: MDNS_CHECK_REPLY, unavailable: MDNS_UNAVAILABLE_REPLY, 'not-built': '' }[this.mdns]);
    if (service === 'host:mdns:services') return this.reply(client, 'OKAY', this.mdns === 'running' ? this.listing() : '');
    const request = service.slice('host:pair:'.length);
    const divider = request.indexOf(':');
    if (divider < 0) return this.reply(client, 'FAIL', 'unknown host service');
    client.write('OKAY');
    const pairing: PairRequest = { password: request.slice(0, divider), target: request.slice(divider + 1) };
    this.pairRequests.push(pairing);
    this.events.emit('pair');
    void this.pair(pairing)
      .catch((error: Error) => `pairing fake: ${error.message}`)
      .then((text) => {
        pairing.reply = text;
        this.reply(client, text.startsWith('Successful') || this.legacy ? '' : 'FAIL', text);
      });
  }

  private listing(): string {
    return this.services.map((s) => `${s.instance}\t${s.type}${this.legacy ? '.' : ''}\t${s.address}\n`).join('');
  }

  /** What adb_wifi_pair_device answers, once the phone did. */
  private async pair({ password, target }: PairRequest): Promise<string> {
    const service = this.pairingService(target);
    if (!service) {
      // Not advertised: a host:port refuses the connection at once; a name without a port is no address.
      return normalized(target) ? PAIR_REPLY.noPairingClient : `Invalid port while parsing address [${target}]`;
    }
    const expected = this.expectations.find((e) => (e.instance !== undefined ? e.instance === service.instance : e.address === service.address));
    if (!expected || expected.password !== password) return PAIR_REPLY.wrongPassword;
    const guid = expected.guid ?? `adb-sim${expected.device.split(':').pop()}-${randomBytes(3).toString('hex')}`;
    this.expectations.splice(this.expectations.indexOf(expected), 1);
    // Paired: the dialog closes, the phone advertises its connect service and the server connects
    // it; without mDNS the server sees neither, and connecting is left to the client.
    this.withdraw(service.instance);
    this.advertise({ instance: guid, type: TLS_CONNECT_SERVICE, address: expected.device });
    if (this.mdns === 'running') {
      const connected = await adbHostRequest(this.upstreamPort, `host:connect:${expected.device}`);
      if (!/^(already )?connected to /.test(connected)) throw new Error(`pairing fake: the real adb server did not connect ${expected.device}: ${connected}`);
    }
    return `Successfully paired to ${target} [guid=${guid}]`;
  }

  /** The advertised pairing service the target names: by address, or by instance (with or without its type). */
  private pairingService(target: string): AdvertisedService | undefined {
    const address = normalized(target);
    return this.services.find(
      (s) => s.type === TLS_PAIRING_SERVICE && (s.address === address || s.instance === target || `${s.instance}.${s.type}` === target),
    );
  }

  private withdrawWhere(gone: (service: AdvertisedService) => boolean): void {
    for (let i = this.services.length - 1; i >= 0; i--) {
      if (gone(this.services[i])) this.services.splice(i, 1);
    }
  }

  /** `status` (OKAY, FAIL, or nothing after an earlier OKAY) and a length-prefixed text; then the server closes. */
  private reply(client: net.Socket, status: 'OKAY' | 'FAIL' | '', text: string): void {
    if (client.destroyed) return;
    const body = Buffer.from(text, 'utf8');
    client.end(Buffer.concat([Buffer.from(status + body.length.toString(16).padStart(4, '0'), 'latin1'), body]));
  }
}

/** `host:port` in adb's form, or undefined when it is not one. */
function normalized(address: string): string | undefined {
  const endpoint = parseHostPort(address, {});
  return 'problem' in endpoint ? undefined : formatHostPort(endpoint);
}
