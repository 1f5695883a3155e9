// Watches one adb server: the push stream for speed, a reconciliation poll for truth (the push
// stream misses a vanished TCP device for 60 s and misses `unauthorized` transitions), and a
// reconnect loop with backoff, since the server can die or restart at any time.

import { AdbServerClient, describeAdbError } from './adbServerClient';
import { MAX_DEVICES_PER_SERVER, readDeviceList } from './deviceList';
import { Device, LogLevel, PollerConfig, ServerState } from '../shared/types';
import { backoffDelay, BackoffPolicy, WakeableSleep } from '../common/backoff';

export const RECONNECT_BACKOFF: BackoffPolicy = { initialMs: 250, factor: 2, maxMs: 5000 };

export interface ServerWatcherSink {
  devices(server: string, devices: Device[]): void;
  status(state: ServerState): void;
  log(level: LogLevel, message: string): void;
}

export class ServerWatcher {
  private stopped = true;
  private generation = 0;
  private readonly sleep = new WakeableSleep();
  private pollTimer?: NodeJS.Timeout;
  private pollNow?: () => void;
  private state: ServerState;
  /** The last warning about a list's content, so that each is logged once, not once per poll. */
  private listProblem = '';

  constructor(
    private readonly client: AdbServerClient,
    private readonly config: PollerConfig,
    private readonly sink: ServerWatcherSink,
  ) {
    this.state = { address: client.address, status: 'connecting' };
  }

  start(): void {
    if (!this.stopped) {
      return;
    }
    this.stopped = false;
    const generation = ++this.generation;
    void this.run(generation);
  }

  /** Synchronous on purpose: sockets and timers are gone when it returns. */
  stop(): void {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    this.pollNow = undefined;
    this.sleep.wake();
    this.client.closeAll();
  }

  /** Poll now instead of at the next tick (a user's refresh, or a resume). */
  refresh(): void {
    if (this.pollNow) {
      this.pollNow();
    } else {
      this.sleep.wake(); // reconnect now instead of at the end of the backoff
    }
  }

  private live(generation: number): boolean {
    return !this.stopped && generation === this.generation;
  }

  private async run(generation: number): Promise<void> {
    let attempt = 0;
    while (this.live(generation)) {
      try {
        // Starting the server is allowed once per reconnect step, for the push stream's connection only.
        // The backoff starts over on the first well-formed list, not on OKAY: a server that accepts
        // the stream and then talks nonsense is retried at the backoff's pace, not 4 times a second.
        await this.session(generation, this.config.startServer, () => (attempt = 0));
      } catch (error) {
        if (!this.live(generation)) {
          return;
        }
        const message = describeAdbError(error, this.client.address, this.config.adbPath, this.config.requestTimeoutMs);
        if (this.state.status !== 'unreachable' || this.state.error !== message) {
          this.sink.log('warn', `adb server ${this.client.address}: ${message}`);
        }
        this.setState({ ...this.state, status: 'unreachable', error: message });
        this.sink.devices(this.client.address, []);
      }
      if (!this.live(generation)) {
        return;
      }
      await this.sleep.sleep(backoffDelay(RECONNECT_BACKOFF, attempt++));
    }
  }

  /** Resolves only when stopped; rejects with the reason the server was lost. */
  private async session(generation: number, mayStartServer: boolean, onConnected: () => void): Promise<void> {
    let lastPushAt = 0;
    let listed = false;
    const stream = await this.client.track(mayStartServer, (text) => {
      lastPushAt = performance.now();
      if (this.live(generation)) {
        this.sink.devices(this.client.address, this.readList(text));
        if (!listed) {
          listed = true;
          onConnected();
        }
      }
    });
    if (!this.live(generation)) {
      stream.close();
      return;
    }
    if (this.state.status !== 'connected') {
      this.sink.log('info', `adb server ${this.client.address}: connected`);
    }
    this.setState({ address: this.client.address, status: 'connected', lastSeen: Date.now() });

    let failPoll!: (error: Error) => void;
    const pollFailed = new Promise<Error>((resolve) => (failPoll = resolve));
    let polling = false;
    const poll = async (): Promise<void> => {
      clearTimeout(this.pollTimer);
      if (polling || !this.live(generation)) {
        return;
      }
      polling = true;
      const startedAt = performance.now();
      try {
        const text = await this.client.listDevices();
        // A push that arrived while this poll was in flight is newer than the poll's answer.
        if (this.live(generation) && lastPushAt < startedAt) {
          this.sink.devices(this.client.address, this.readList(text));
        }
        this.state.lastSeen = Date.now();
      } catch (error) {
        failPoll(error as Error);
        return;
      } finally {
        polling = false;
      }
      if (this.live(generation)) {
        this.pollTimer = setTimeout(poll, this.config.pollIntervalMs);
      }
    };
    this.pollNow = () => void poll();
    this.pollTimer = setTimeout(poll, this.config.pollIntervalMs);

    const reason = await Promise.race([stream.ended, pollFailed]);
    stream.close();
    clearTimeout(this.pollTimer);
    this.pollNow = undefined;
    if (this.live(generation)) {
      throw reason;
    }
  }

  /** The devices in a list reply; what had to be left out is logged once per distinct problem. */
  private readList(text: string): Device[] {
    const { devices, ignoredLines, droppedDevices } = readDeviceList(this.client.address, text);
    const problems: string[] = [];
    if (droppedDevices > 0) {
      problems.push(`it lists ${devices.length + droppedDevices} devices; showing the first ${MAX_DEVICES_PER_SERVER}`);
    }
    if (ignoredLines > 0) {
      problems.push(`${ignoredLines} line(s) of its device list are not a device (no state, control characters in the serial, or too long); ignored`);
    }
    const problem = problems.join('; ');
    if (problem && problem !== this.listProblem) {
      this.sink.log('warn', `adb server ${this.client.address}: ${problem}`);
    }
    this.listProblem = problem;
    return devices;
  }

  private setState(next: ServerState): void {
    const changed = next.status !== this.state.status || next.error !== this.state.error;
    this.state = next;
    if (changed) {
      this.sink.status({ ...next });
    }
  }

  get serverState(): ServerState {
    return { ...this.state };
  }
}
