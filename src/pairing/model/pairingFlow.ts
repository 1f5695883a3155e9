// Pairing a phone over Wi-Fi through an adb server, as Android Studio does: the server browses
// mDNS and runs the pairing protocol; this flow only asks it (`mdns-services`, `pair`, `connect`)
// and watches the device list. One state machine for the QR code and the pairing-code paths
// (docs/architecture.md, "Wireless pairing"). No vscode import: the UI renders its states.

import { setTimeout as sleep } from 'node:timers/promises';
import { Emitter, Event } from '../../core/events';
import { DisposableBase, toDisposable } from '../../core/lifecycle';
import { AdbCommand, Device } from '../../core/types';
import { markdownCell } from '../../devices/model/troubleshootReport';
import { WatcherModel } from '../../devices/model/watcherModel';
import { PairingCommand, PairingResult, runPairingCommand } from './pairingCommands';
import {
  isConnectServiceOf,
  MdnsService,
  PAIR_DEADLINE_MS,
  PAIRING_MIN_PLATFORM_TOOLS,
  PairingSecrets,
  PairOutcome,
  parseMdnsServices,
  parsePairReply,
  samePhoneInstance,
  TLS_CONNECT_SERVICE,
  TLS_PAIRING_SERVICE,
} from './wirelessPairing';

export type PairingStep = 'waiting-for-phone' | 'pairing' | 'waiting-for-device';

export type PairingFailure =
  /** The server does not know the pairing services: platform-tools older than 30. */
  | 'unsupported'
  /** No phone advertised the QR code's pairing service in time. */
  | 'phone-not-found'
  | 'wrong-password'
  /** adb could not open the pairing connection: nothing listens at the address, or it did not open within 10 s. */
  | 'phone-unreachable'
  /** The phone took the pairing connection and did not answer by the deadline. */
  | 'phone-not-answering'
  /** The address is no `host:port` for adb (no port, an mDNS instance name). */
  | 'invalid-address'
  /** Any other failure, in adb's words. */
  | 'pairing-failed'
  /** Paired, but no device connected in time. */
  | 'device-not-connected'
  /** The server did not answer a request (gone, hung). */
  | 'server-failed';

export type PairingState =
  | { step: PairingStep }
  | { step: 'done'; device: Device }
  /** `address`: the phone's pairing `host:port`, once known. */
  | { step: 'failed'; at: PairingStep; failure: PairingFailure; message: string; address?: string }
  | { step: 'cancelled' };

/** Each failed pair reply, as the flow names it. */
const PAIR_FAILURES: Record<Extract<PairOutcome, { ok: false }>['reason'], PairingFailure> = {
  'wrong-password': 'wrong-password',
  'no-pairing-client': 'phone-unreachable',
  'no-answer': 'phone-not-answering',
  'invalid-address': 'invalid-address',
  other: 'pairing-failed',
};

/** What the flow needs of the watcher: its commands and its device list. */
export interface PairingWatcher {
  /** runPairingCommand over the watcher's adb commands. */
  runAdbCommand(command: PairingCommand | AdbCommand): Promise<PairingResult>;
  readonly devices: readonly Device[];
  readonly onDidChange: Event<unknown>;
}

/** The watcher model as pairing sees it: its adb commands with pairing's own (runPairingCommand). */
export function pairingWatcher(model: WatcherModel): PairingWatcher {
  return {
    runAdbCommand: (command) => runPairingCommand((adbCommand) => model.controls.runAdbCommand(adbCommand), command),
    get devices() {
      return model.devices;
    },
    onDidChange: model.onDidChange,
  };
}

export interface PairingTiming {
  /** How often the server's mDNS services are read while waiting for the phone. */
  browseEveryMs: number;
  /** How long the phone has to show up after the QR code is shown. */
  phoneTimeoutMs: number;
  /** How long the phone has to answer the pairing itself (the worker ends the request then). */
  pairTimeoutMs: number;
  /** After pairing, how long the server's own mDNS auto-connect is given before connecting ourselves (and between our tries). */
  connectAfterMs: number;
  deviceTimeoutMs: number;
}

export const DEFAULT_PAIRING_TIMING: PairingTiming = {
  browseEveryMs: 1000,
  phoneTimeoutMs: 120_000,
  pairTimeoutMs: PAIR_DEADLINE_MS,
  connectAfterMs: 5000,
  deviceTimeoutMs: 60_000,
};

/** What a server can do: `qr` finds the phone by mDNS (both paths), `code` only pairs with a typed address, `none` cannot pair. */
export interface PairingSupport {
  can: 'qr' | 'code' | 'none';
  /** The server was built without mDNS discovery (the Linux distributions' adb packages): `code`, for good. */
  builtWithoutMdns: boolean;
  /** adb's words (or ours when it had none). */
  message: string;
}

/**
 * Whether `server` can pair, and how: platform-tools before 30 cannot (`unsupported`); without
 * mDNS discovery (a build without it, or discovery off) it cannot find the phone that scans a QR
 * code, nor connect a paired phone by itself, but pairs with the address the phone shows.
 */
export async function checkPairingSupport(watcher: Pick<PairingWatcher, 'runAdbCommand'>, server: string): Promise<PairingSupport> {
  const result = await watcher.runAdbCommand({ kind: 'mdns-check', server });
  const can = result.unsupported ? 'none' : result.ok ? 'qr' : 'code';
  return { can, builtWithoutMdns: result.builtWithoutMdns === true, message: result.message };
}

/** What wireless pairing can do through one server, and why: its line in the Troubleshoot report. */
export function pairingLine(pairing: PairingSupport): string {
  switch (pairing.can) {
    case 'qr':
      return `pairs with a QR code or a pairing code (${markdownCell(pairing.message)})`;
    case 'none':
      return `cannot pair: too old (platform-tools ${PAIRING_MIN_PLATFORM_TOOLS} or newer has \`adb pair\`)`;
    case 'code':
      return pairing.builtWithoutMdns
        ? "pairs with a pairing code only: this adb was built without mDNS discovery (as the Linux distributions' adb packages are), so it cannot find the phone that scans a QR code, nor connect a paired phone by itself. Pair with a code and the address the phone shows, then connect to the address under Wireless debugging; Google's platform-tools have mDNS."
        : `pairs with a pairing code only: its mDNS discovery does not run (${markdownCell(pairing.message)}), so it cannot find the phone that scans a QR code.`;
  }
}

/**
 * Whether the QR code belongs on screen: only while the flow looks for the phone that scans it.
 * At any other step nothing browses for it, so a phone that scanned it would wait at "pairing"
 * for ever; a new attempt makes a new code.
 */
export function showsQrCode(state: PairingState): boolean {
  return state.step === 'waiting-for-phone';
}

/** Ends a step: the flow's state says why. */
class StepEnded extends Error {
  constructor(readonly state: Extract<PairingState, { step: 'failed' | 'cancelled' }>) {
    super(state.step);
  }
}

export class PairingFlow extends DisposableBase {
  private current: PairingState = { step: 'waiting-for-phone' };
  private readonly changed = this.register(new Emitter<PairingState>());
  readonly onDidChange = this.changed.event;
  private readonly abort = new AbortController();
  /** The last browse's failure, while browsing fails. */
  private browseError?: string;

  constructor(
    private readonly watcher: PairingWatcher,
    /** The adb server that pairs (`host:port`). */
    readonly server: string,
    private readonly timing: PairingTiming = DEFAULT_PAIRING_TIMING,
  ) {
    super();
    this.register(toDisposable(() => this.cancel()));
  }

  get state(): PairingState {
    return this.current;
  }

  /** Ends the flow where it is; a pairing already sent to the server runs on there. */
  cancel(): void {
    this.abort.abort();
  }

  /** The QR code path: wait for the phone to advertise `secrets.name`, then pair with its password. */
  pairWithQrCode(secrets: PairingSecrets): Promise<PairingState> {
    return this.run(async () => {
      this.set({ step: 'waiting-for-phone' });
      const deadline = Date.now() + this.timing.phoneTimeoutMs;
      for (;;) {
        const phone = (await this.browse('waiting-for-phone')).find((s) => s.type === TLS_PAIRING_SERVICE && s.instance === secrets.name);
        if (phone) return this.pairAndConnect(phone.address, secrets.password);
        if (Date.now() + this.timing.browseEveryMs > deadline) {
          // Never answered at all: say why, rather than blame the phone.
          if (this.browseError !== undefined) this.end('waiting-for-phone', 'server-failed', this.browseError);
          this.end('waiting-for-phone', 'phone-not-found', `no phone advertised the QR code's pairing service within ${this.timing.phoneTimeoutMs / 1000} s`);
        }
        await this.wait(sleep(this.timing.browseEveryMs, undefined, { signal: this.abort.signal }));
      }
    });
  }

  /**
   * The pairing-code path: `address` is the phone's pairing `host:port`, `code` its six digits.
   * `askConnectAddress`, for a server without mDNS (it can neither find the paired phone nor
   * connect it by itself): asked once paired for the address to connect (the phone's Wireless
   * debugging screen shows it; it is not the pairing port).
   */
  pairWithCode(address: string, code: string, askConnectAddress?: () => Promise<string | undefined>): Promise<PairingState> {
    return this.run(() => this.pairAndConnect(address, code, askConnectAddress));
  }

  private async pairAndConnect(address: string, password: string, askConnectAddress?: () => Promise<string | undefined>): Promise<PairingState> {
    this.set({ step: 'pairing' });
    const result = await this.command('pairing', { kind: 'pair', server: this.server, address, password, deadlineMs: this.timing.pairTimeoutMs });
    const reply = parsePairReply(result.message);
    if (!reply.ok) this.end('pairing', PAIR_FAILURES[reply.reason], reply.message, address);
    const pairedAt = Date.now();

    this.set({ step: 'waiting-for-device' });
    const typed = askConnectAddress && (await this.wait(askConnectAddress()));
    if (askConnectAddress && !typed) this.end('waiting-for-device', 'device-not-connected', `paired with ${address}; no address was given to connect it`, address);
    // adb connects a paired phone by itself once it sees the phone's connect service (its
    // instance is the guid, renamed after an mDNS name clash); an older server or one with
    // auto-connect off needs a `connect`, and a server without mDNS the address typed in.
    // Connected by its address (`adb connect`) the device is listed under that address.
    const connectService = async () =>
      (await this.browse('waiting-for-device')).find((s) => s.type === TLS_CONNECT_SERVICE && samePhoneInstance(s.instance, reply.guid));
    let connectAddress = typed ?? (await connectService())?.address;
    const listed = () => this.watcher.devices.find((d) => d.server === this.server && isConnectServiceOf({ instance: reply.guid, address: connectAddress }, d.serial));
    const deadline = Date.now() + this.timing.deviceTimeoutMs;
    // From pairing (at once for a typed address: nothing else will connect it), then again after
    // each try: other changes in the device list (another device, a server's status) do not move it.
    let connectAt = typed ? Date.now() : pairedAt + this.timing.connectAfterMs;
    let connectReply: string | undefined;
    let device: Device | undefined;
    while (!(device = listed())) {
      const now = Date.now();
      if (now >= deadline) {
        const said = connectReply ? ` (adb: ${connectReply})` : '';
        this.end('waiting-for-device', 'device-not-connected', `paired with ${address}, but the device did not connect within ${this.timing.deviceTimeoutMs / 1000} s${said}`, address);
      }
      if (now < connectAt) {
        await this.nextDeviceChange(Math.min(connectAt, deadline) - now);
        continue;
      }
      connectAddress = typed ?? (await connectService())?.address;
      if (connectAddress) connectReply = (await this.command('waiting-for-device', { kind: 'connect', server: this.server, address: connectAddress })).message;
      connectAt = Date.now() + this.timing.connectAfterMs;
    }
    this.set({ step: 'done', device });
    return this.current;
  }

  /** 'changed' at the watcher's next change, 'quiet' after `ms` without one. */
  private nextDeviceChange(ms: number): Promise<'changed' | 'quiet'> {
    const store = new AbortController();
    const signal = AbortSignal.any([store.signal, this.abort.signal]);
    const changed = new Promise<'changed'>((resolve) => {
      const subscription = this.watcher.onDidChange(() => resolve('changed'));
      signal.addEventListener('abort', () => subscription.dispose(), { once: true });
    });
    const quiet = sleep(ms, 'quiet' as const, { signal });
    return this.wait(Promise.race([changed, quiet])).finally(() => store.abort());
  }

  /**
   * What the server sees now. A browse that fails (the watcher restarting for new settings, a
   * server briefly gone) finds nothing this round and is tried again; its words are kept.
   */
  private async browse(step: PairingStep): Promise<MdnsService[]> {
    const result = await this.command(step, { kind: 'mdns-services', server: this.server });
    this.browseError = result.ok ? undefined : result.message;
    return result.ok ? parseMdnsServices(result.message).services : [];
  }

  /** adb's answer (a failed one too, for the caller to read); an unsupported request ends the flow at `step`. */
  private async command(step: PairingStep, command: PairingCommand | AdbCommand): Promise<PairingResult> {
    const result = await this.wait(this.watcher.runAdbCommand(command));
    if (result.unsupported) this.end(step, 'unsupported', result.message);
    return result;
  }

  /** `promise`, unless the flow is cancelled first (then it rejects at once with the cancel). */
  private wait<T>(promise: Promise<T>): Promise<T> {
    const signal = this.abort.signal;
    return new Promise<T>((resolve, reject) => {
      const cancelled = () => reject(new StepEnded({ step: 'cancelled' }));
      if (signal.aborted) return cancelled();
      signal.addEventListener('abort', cancelled, { once: true });
      promise.then(
        (value) => (signal.aborted ? cancelled() : resolve(value)),
        (error: unknown) => (signal.aborted ? cancelled() : reject(error)),
      ).finally(() => signal.removeEventListener('abort', cancelled));
    });
  }

  private end(at: PairingStep, failure: PairingFailure, message: string, address?: string): never {
    throw new StepEnded({ step: 'failed', at, failure, message, ...(address !== undefined && { address }) });
  }

  private async run(body: () => Promise<PairingState>): Promise<PairingState> {
    try {
      return await body();
    } catch (error) {
      if (!(error instanceof StepEnded)) throw error;
      this.set(error.state);
      return this.current;
    }
  }

  private set(state: PairingState): void {
    this.current = state;
    this.changed.fire(state);
  }
}
