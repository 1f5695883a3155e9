// Pairing a phone over Wi-Fi through an adb server, as Android Studio does: the server browses
// mDNS and runs the pairing protocol; this flow only asks it (`mdns-services`, `pair`, `connect`)
// and watches the device list. One state machine for the QR code and the pairing-code paths
// (docs/architecture.md, "Wireless pairing"). No vscode import: the UI renders its states.

import { setTimeout as sleep } from 'node:timers/promises';
import { Emitter, Event } from '../common/events';
import { DisposableBase, toDisposable } from '../common/lifecycle';
import { AdbCommand, CommandResult, Device } from '../shared/types';
import { MdnsService, parseMdnsServices, parsePairReply, PairingSecrets, TLS_CONNECT_SERVICE, TLS_PAIRING_SERVICE } from '../shared/wirelessPairing';

export type PairingStep = 'waiting-for-phone' | 'pairing' | 'waiting-for-device';

export type PairingFailure =
  /** The server does not know the pairing services: platform-tools older than 30. */
  | 'unsupported'
  /** No phone advertised the QR code's pairing service in time. */
  | 'phone-not-found'
  | 'wrong-password'
  | 'pairing-failed'
  /** Paired, but no device connected in time. */
  | 'device-not-connected'
  /** The server did not answer a request (gone, hung). */
  | 'server-failed';

export type PairingState =
  | { step: PairingStep }
  | { step: 'done'; device: Device }
  | { step: 'failed'; at: PairingStep; failure: PairingFailure; message: string }
  | { step: 'cancelled' };

/** What the flow needs of the watcher: its commands and its device list. */
export interface PairingWatcher {
  runAdbCommand(command: AdbCommand): Promise<CommandResult>;
  readonly devices: readonly Device[];
  readonly onDidChange: Event<unknown>;
}

export interface PairingTiming {
  /** How often the server's mDNS services are read while waiting for the phone. */
  browseEveryMs: number;
  /** How long the phone has to show up after the QR code is shown. */
  phoneTimeoutMs: number;
  /** After pairing, how long the server's own mDNS auto-connect is given before connecting ourselves. */
  connectAfterMs: number;
  deviceTimeoutMs: number;
}

export const DEFAULT_PAIRING_TIMING: PairingTiming = {
  browseEveryMs: 1000,
  phoneTimeoutMs: 120_000,
  connectAfterMs: 5000,
  deviceTimeoutMs: 60_000,
};

/** Whether `server` can pair: `unsupported` (with adb's words) for platform-tools before 30. */
export async function checkPairingSupport(watcher: Pick<PairingWatcher, 'runAdbCommand'>, server: string): Promise<CommandResult> {
  return watcher.runAdbCommand({ kind: 'mdns-check', server });
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

  /** The pairing-code path: `address` is the phone's pairing `host:port`, `code` its six digits. */
  pairWithCode(address: string, code: string): Promise<PairingState> {
    return this.run(() => this.pairAndConnect(address, code));
  }

  private async pairAndConnect(address: string, password: string): Promise<PairingState> {
    this.set({ step: 'pairing' });
    const result = await this.command('pairing', { kind: 'pair', server: this.server, address, password });
    const reply = parsePairReply(result.message);
    if (!reply.ok) this.end('pairing', reply.reason === 'wrong-password' ? 'wrong-password' : 'pairing-failed', reply.message);

    this.set({ step: 'waiting-for-device' });
    // adb connects a paired phone by itself once it sees the phone's connect service (its
    // instance is the guid); an older server or one with auto-connect off needs a `connect`.
    // Connected by its address (`adb connect`) the device is listed under that address.
    const connectService = async () => (await this.browse('waiting-for-device')).find((s) => s.type === TLS_CONNECT_SERVICE && s.instance === reply.guid);
    let connectAddress = (await connectService())?.address;
    const listed = () =>
      this.watcher.devices.find((d) => d.server === this.server && (d.serial === `${reply.guid}.${TLS_CONNECT_SERVICE}` || d.serial === connectAddress));
    const deadline = Date.now() + this.timing.deviceTimeoutMs;
    let device: Device | undefined;
    while (!(device = listed())) {
      const left = deadline - Date.now();
      if (left <= 0) this.end('waiting-for-device', 'device-not-connected', `paired with ${address}, but the device did not connect within ${this.timing.deviceTimeoutMs / 1000} s`);
      if ((await this.nextDeviceChange(Math.min(left, this.timing.connectAfterMs))) === 'changed') continue;
      connectAddress = (await connectService())?.address;
      if (connectAddress) await this.command('waiting-for-device', { kind: 'connect', server: this.server, address: connectAddress });
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
  private async command(step: PairingStep, command: AdbCommand): Promise<CommandResult> {
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

  private end(at: PairingStep, failure: PairingFailure, message: string): never {
    throw new StepEnded({ step: 'failed', at, failure, message });
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
