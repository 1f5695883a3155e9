// Host-protocol requests to one adb server, whoever started it: attach and detach TCP devices,
// list devices (read with the product's own parser), wait until adb shows a state, run a shell.

import { Device } from '../src/core/types';
import { readDeviceList } from '../src/devices/worker/deviceList';
import { adbHostRequest, adbRawShell, DEFAULT_REQUEST_TIMEOUT_MS } from './hostProtocol';
import { LOOPBACK, tcpSerial } from './ports';
import { waitUntil } from './wait';

const POLL_INTERVAL_MS = 20;

/** Runs the steps handed to it one after another, in call order; a failed step does not stop the next. */
export function inTurn(): <T>(step: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return (step) => {
    const run = last.then(step);
    last = run.catch(() => undefined);
    return run;
  };
}

/** Pseudo-state for waitForDevice: the serial is not listed at all. */
export const GONE = 'gone';

/** Host-protocol requests to one adb server, whoever started it (the CLI also uses it on 5037). */
export class AdbHostClient {
  readonly address: string;
  private readonly teardownInTurn = inTurn();

  constructor(readonly port: number) {
    this.address = `${LOOPBACK}:${port}`;
  }

  hostRequest(service: string, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Promise<string> {
    return adbHostRequest(this.port, service, { timeoutMs });
  }

  /**
   * Attaches a TCP device; resolves with its serial. Rejects unless adb says it connected: an
   * unauthorized device gives "failed to authenticate", a silent one "failed to connect" after ~10 s.
   */
  async connect(devicePort: number, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Promise<string> {
    const serial = tcpSerial(devicePort);
    const reply = await this.hostRequest(`host:connect:${serial}`, timeoutMs);
    if (!/^(connected to|already connected to) /.test(reply)) {
      throw new Error(`adb server ${this.address} could not connect ${serial}: ${reply}`);
    }
    return serial;
  }

  /**
   * Resolves once adb no longer lists the device; rejects when adb does not know it. adb answers
   * "disconnected" when it has only begun the teardown: a connect sent at once may still hear
   * "already connected" from the transport on its way out, which then leaves for good. One at a
   * time per client: adb 29's server aborts ("failed to unregister fd -1 with epoll") when it
   * tears down two transports at once, and the CLI may be talking to the user's own server.
   */
  disconnect(serialOrPort: string | number): Promise<void> {
    const serial = typeof serialOrPort === 'number' ? tcpSerial(serialOrPort) : serialOrPort;
    return this.teardownInTurn(async () => {
      await this.hostRequest(`host:disconnect:${serial}`);
      await this.waitForDevice(serial, GONE, DEFAULT_REQUEST_TIMEOUT_MS);
    });
  }

  /**
   * Disconnect (if known) and connect again. After a device vanished, adb keeps it `offline` and
   * answers a plain connect with "already connected" until its own retry, ~10 s later.
   */
  async reconnect(devicePort: number, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Promise<string> {
    await this.disconnect(devicePort).catch(() => undefined);
    return this.connect(devicePort, timeoutMs);
  }

  /** `host:devices-l`, read by the product's parser (state, product, model, device, transport id). */
  async devices(): Promise<Device[]> {
    return readDeviceList(this.address, await this.hostRequest('host:devices-l')).devices;
  }

  /**
   * Polls `host:devices-l` until `serial` shows one of `states` (GONE: not listed); resolves
   * with the state seen. For tests that need a settled server, not for measuring latency.
   */
  async waitForDevice(serial: string, states: string | readonly string[], timeoutMs: number): Promise<string> {
    return (await this.waitForDevices([serial], states, timeoutMs))[0];
  }

  /**
   * The same for several devices: one `devices-l` request per round however many are awaited,
   * rather than a poller per device (less load on a server busy with a burst of attaches).
   */
  async waitForDevices(serials: readonly string[], states: string | readonly string[], timeoutMs: number): Promise<string[]> {
    const wanted: readonly string[] = typeof states === 'string' ? [states] : states;
    let seen: string[] = [];
    await waitUntil(
      async () => {
        const listed = await this.devices();
        seen = serials.map((serial) => listed.find((device) => device.serial === serial)?.state ?? GONE);
        return seen.every((state) => wanted.includes(state));
      },
      timeoutMs,
      `${serials.join(', ')} to be ${wanted.join(' or ')}`,
      { everyMs: POLL_INTERVAL_MS, explain: () => `still ${serials.map((serial, i) => `${serial} ${seen[i]}`).filter((_, i) => !wanted.includes(seen[i])).join(', ')}` },
    );
    return seen;
  }

  /** Runs a raw (non-v2) shell command as adbkit does: `host:transport:SERIAL`, then `shell:CMD`. */
  shell(serial: string, command: string, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Promise<string> {
    return adbRawShell(this.port, serial, command, { timeoutMs });
  }
}
