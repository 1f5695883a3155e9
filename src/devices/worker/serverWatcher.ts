// Watches one adb server: the push stream for speed, a reconciliation poll for truth (the push
// stream misses a vanished TCP device for 60 s and misses `unauthorized` transitions), and a
// reconnect loop with backoff, since the server can die or restart at any time.
// A server is `connected` only once a device list arrived: until then nothing it says (an OKAY, a
// reply cut short) may show it connected or let its devices look gone.

import { classifyAdbError, describeAdbError, isDeadlineError } from '../../core/adb/adbErrors';
import { isLoopbackHost } from '../../core/address';
import { AdbServerClient, TrackStream } from '../../core/adb/adbServerClient';
import { MAX_DEVICES_PER_SERVER, readDeviceList } from './deviceList';
import { Device, LogLevel, PollerConfig, ServerState } from '../../core/types';
import { backoffDelay, BackoffPolicy, WakeableSleep } from '../../core/backoff';

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
  /** While connected: polls now. */
  private sessionPoll?: () => void;
  /** While connected: arms the next poll at the current pace (none while a poll is in flight: it arms its own). */
  private reschedulePoll?: () => void;
  private state: ServerState;
  /** The last warning about a list's content, so that each is logged once, not once per poll. */
  private listProblem = '';
  /**
   * The last list read and its devices: a reply with the same text (nearly every poll) is not
   * parsed again, and the same array tells the poller that nothing changed.
   */
  private lastList?: { text: string; devices: Device[] };
  /** The poll's pace now: the configured interval, longer while the window is in the background. */
  private pollIntervalMs: number;
  /** Said once: `startServer` is on but this address is not on this machine. */
  private remoteStartNoted = false;

  constructor(
    private readonly client: AdbServerClient,
    private readonly config: PollerConfig,
    private readonly sink: ServerWatcherSink,
  ) {
    this.state = { address: client.address, status: 'connecting' };
    this.pollIntervalMs = config.pollIntervalMs;
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
    this.sessionPoll = undefined;
    this.reschedulePoll = undefined;
    this.sleep.wake();
    this.client.closeAll();
  }

  /** Poll now instead of at the next tick (a user's refresh, or a resume). */
  refresh(): void {
    if (this.sessionPoll) {
      this.sessionPoll();
    } else {
      this.sleep.wake(); // reconnect now instead of at the end of the backoff
    }
  }

  /** Polls now if connected; a server being reconnected keeps its backoff. */
  pollNow(): void {
    this.sessionPoll?.();
  }

  /** The poll's pace from now on: the next poll comes one new interval from now. */
  setPollInterval(ms: number): void {
    this.pollIntervalMs = ms;
    this.reschedulePoll?.();
  }

  private live(generation: number): boolean {
    return !this.stopped && generation === this.generation;
  }

  private async run(generation: number): Promise<void> {
    let attempt = 0;
    while (this.live(generation)) {
      try {
        // The backoff starts over on the first list, not on OKAY: a server that accepts the stream
        // and then talks nonsense is retried at the backoff's pace, not 4 times a second.
        await this.session(generation, () => (attempt = 0));
      } catch (error) {
        if (!this.live(generation)) {
          return;
        }
        const message = describeAdbError(error, this.client.address, this.config.adbPath, this.config.requestTimeoutMs);
        if (this.state.status !== 'unreachable' || this.state.error !== message) {
          this.sink.log('warn', `adb server ${this.client.address}: ${message}`);
        }
        const { lastSeen } = this.state;
        this.setState({ address: this.client.address, status: 'unreachable', error: message, problem: classifyAdbError(error), lastSeen });
        this.sink.devices(this.client.address, []);
      }
      if (!this.live(generation)) {
        return;
      }
      await this.sleep.sleep(backoffDelay(RECONNECT_BACKOFF, attempt++));
    }
  }

  /**
   * The push stream, with its first list. When the server is not running and starting it is
   * allowed, `adb start-server` runs once for this reconnect step, and only for this machine.
   */
  private async openStream(generation: number, onList: (text: string) => void): Promise<TrackStream> {
    try {
      return await this.client.track(onList);
    } catch (error) {
      if (!this.config.startServer || classifyAdbError(error) !== 'not-running' || !this.live(generation)) {
        throw error;
      }
      if (!isLoopbackHost(this.client.endpoint.host)) {
        // adb start-server can only start a server on this machine, never the one at a remote address.
        if (!this.remoteStartNoted) {
          this.sink.log('info', `adb server ${this.client.address}: not on this machine, so it is not started here`);
          this.remoteStartNoted = true;
        }
        throw error;
      }
      this.sink.log('info', `adb server ${this.client.address}: not running; starting it (${this.config.adbPath} -P ${this.client.endpoint.port} start-server)`);
      await this.client.startServer();
      if (!this.live(generation)) {
        throw error;
      }
      return await this.client.track(onList);
    }
  }

  /** Resolves only when stopped; rejects with the reason the server was lost. */
  private async session(generation: number, onListed: () => void): Promise<void> {
    let lastPushAt = 0;
    const stream = await this.openStream(generation, (text) => {
      lastPushAt = performance.now();
      if (this.live(generation)) {
        this.sink.devices(this.client.address, this.readList(text));
      }
    });
    if (!this.live(generation)) {
      stream.close();
      return;
    }
    // The first list and the status change go out in one snapshot (the poller publishes once per turn).
    lastPushAt = performance.now();
    this.sink.devices(this.client.address, this.readList(stream.first));
    if (this.state.status !== 'connected') {
      this.sink.log('info', `adb server ${this.client.address}: connected`);
    }
    this.setState({ address: this.client.address, status: 'connected', lastSeen: Date.now() });
    onListed();

    let failPoll!: (error: Error) => void;
    const pollFailed = new Promise<Error>((resolve) => (failPoll = resolve));
    let polling = false;
    /** In a run of polls that ran out of their deadline: logged at its start and its end only. */
    let slowPolls = false;
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
        if (slowPolls) {
          slowPolls = false;
          this.sink.log('info', `adb server ${this.client.address}: answers polls again`);
        }
      } catch (error) {
        if (!this.live(generation)) {
          return;
        }
        if (!isDeadlineError(error)) {
          failPoll(error as Error);
          return;
        }
        // One slow answer is not a lost server: its device stream is still open, so its devices stay.
        if (!slowPolls) {
          slowPolls = true;
          const message = describeAdbError(error, this.client.address, this.config.adbPath, this.config.requestTimeoutMs);
          this.sink.log('warn', `adb server ${this.client.address}: ${message}; its device stream is open, so its devices stay listed; polling again every ${this.pollIntervalMs} ms`);
        }
      } finally {
        polling = false;
      }
      if (this.live(generation)) {
        schedule();
      }
    };
    const schedule = (): void => {
      clearTimeout(this.pollTimer);
      this.pollTimer = polling ? undefined : setTimeout(poll, this.pollIntervalMs);
    };
    this.sessionPoll = () => void poll();
    this.reschedulePoll = schedule;
    schedule();

    const reason = await Promise.race([stream.ended, pollFailed]);
    stream.close();
    clearTimeout(this.pollTimer);
    this.sessionPoll = undefined;
    this.reschedulePoll = undefined;
    if (this.live(generation)) {
      throw reason;
    }
  }

  /**
   * The devices in a list reply; what had to be left out is logged once per distinct problem.
   * The same text as the last list gives the same array, unparsed.
   */
  private readList(text: string): Device[] {
    if (this.lastList?.text === text) {
      return this.lastList.devices;
    }
    const { devices, ignoredLines, droppedDevices } = readDeviceList(this.client.address, text);
    this.lastList = { text, devices };
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
    const changed = next.status !== this.state.status || next.error !== this.state.error || next.problem !== this.state.problem;
    this.state = next;
    if (changed) {
      this.sink.status({ ...next });
    }
  }

  get serverState(): ServerState {
    return { ...this.state };
  }
}
