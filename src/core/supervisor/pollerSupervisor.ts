// Owns the device poller's worker for its whole life: one state machine, one setter that fires
// only on real changes, in-flight promises for repeat callers, and a crash budget with backoff.
// One worker thread's own life (handshake, heartbeat, requests, why it ended) is a WorkerRun.
// No `vscode` import: tested in plain mocha.

import { Emitter } from '../events';
import { WorkerMessage } from '../../poller/protocol';
import { AdbCommand, CommandResult, LOG_LEVELS, LogLevel, LogLine, PollerConfig, Snapshot } from '../types';
import { DEFAULT_SUPERVISOR_OPTIONS, DevicesUpdate, DisposedError, PollerState, StateChange, SupervisorOptions } from './types';
import { CrashBudget } from './crashBudget';
import { DeviceRequestOptions, DeviceRequestResult, DeviceServiceTarget, DeviceStream, DeviceStreamOptions } from './deviceStreams';
import { endOfExit, WorkerExit, WorkerRun } from './workerRun';
import { CapabilityChannel, CapabilityWorkerEnd, ChannelEnd } from './capabilityChannel';

export { DEFAULT_SUPERVISOR_OPTIONS, DisposedError } from './types';
export type { DevicesUpdate, PollerState, StateChange, SupervisorOptions } from './types';
export { DeviceStream, DeviceStreamWriteError } from './deviceStreams';
export { CapabilityChannel } from './capabilityChannel';
export type { CapabilityError, CapabilityMessage, CapabilityWorkerEnd } from './capabilityChannel';
export type { DeviceRequestOptions, DeviceRequestResult, DeviceServiceEnd, DeviceServiceTarget, DeviceStreamOptions } from './deviceStreams';

export class PollerSupervisor {
  private readonly options: SupervisorOptions;
  private currentState: PollerState = 'idle';
  private run?: WorkerRun;
  private startPromise?: Promise<void>;
  private stopPromise?: Promise<void>;
  private reconfigurePromise?: Promise<void>;
  private disposePromise?: Promise<void>;
  private restartTimer?: NodeJS.Timeout;
  private readonly crashBudget: CrashBudget;
  /** The user's pause, kept across restarts the user did not ask for (crash, new settings). */
  private wantPaused = false;
  /** The stop in progress is a settings restart: a worker starts again when it ends. */
  private startAfterStop = false;
  /** The window's focus (VS Code's window state): the poll's and the heartbeat's pace. */
  private focused = true;
  private lastSnapshot?: Snapshot;
  private error?: string;
  /** Capabilities' host channels by name. */
  private readonly channels = new Map<string, Set<ChannelEnd>>();
  /** The worker ran since the capabilities last heard their work end. */
  private capabilityWorkLive = false;

  private readonly stateEmitter = new Emitter<StateChange>();
  private readonly devicesEmitter = new Emitter<DevicesUpdate>();
  private readonly logEmitter = new Emitter<LogLine>();
  readonly onDidChangeState = this.stateEmitter.event;
  readonly onDidChangeDevices = this.devicesEmitter.event;
  readonly onLog = this.logEmitter.event;

  constructor(options: Pick<SupervisorOptions, 'workerScript' | 'config'> & Partial<SupervisorOptions>) {
    this.options = { ...DEFAULT_SUPERVISOR_OPTIONS, ...options };
    this.crashBudget = new CrashBudget(this.options.restartBudget, this.options.restartBackoff);
  }

  get state(): PollerState {
    return this.currentState;
  }

  /** The last snapshot; it is stale whenever the state is not `running`. */
  get snapshot(): Snapshot | undefined {
    return this.lastSnapshot;
  }

  get isStale(): boolean {
    return this.currentState !== 'running';
  }

  /** The reason for the last crash or failed start, kept until a start succeeds. */
  get lastError(): string | undefined {
    return this.error;
  }

  get config(): PollerConfig {
    return this.options.config;
  }

  /** The live worker thread, read-only, for diagnostics and tests (which post their own messages). */
  get workerThread(): WorkerRun['thread'] | undefined {
    return this.run?.thread;
  }

  start(): Promise<void> {
    if (this.disposePromise) {
      return Promise.reject(new DisposedError());
    }
    switch (this.currentState) {
      case 'starting':
        return this.startPromise!;
      case 'running':
      case 'paused':
        return Promise.resolve();
      case 'stopping':
        return this.stopPromise!.then(() => this.start());
      case 'crashed':
        this.crashBudget.reset();
        return this.spawn();
      default:
        return this.spawn();
    }
  }

  pause(): Promise<void> {
    return this.rejectIfDisposed() ?? this.setPaused(true);
  }

  resume(): Promise<void> {
    return this.rejectIfDisposed() ?? this.setPaused(false);
  }

  /** Asks the worker for a fresh reading of every server now. */
  refresh(): void {
    this.throwIfDisposed();
    if (this.currentState === 'running') {
      this.run?.refresh();
    }
  }

  /**
   * The window gained or lost focus. In the background the worker polls and the heartbeat runs
   * at a slower pace (the push stream still shows a new device at once); on focus both are back
   * at once, with a poll. Kept for the workers that follow; only a change reaches the worker.
   * A signal, not a command: ignored after dispose.
   */
  setFocused(focused: boolean): void {
    if (this.disposePromise || focused === this.focused) {
      return;
    }
    this.focused = focused;
    this.run?.setFocused(focused);
  }

  /**
   * New settings. The stop deadline applies at once; a changed poller config restarts a live
   * worker, since the worker reads its config once at start. A paused one starts again paused
   * (it opens no connection), unless the user resumes meanwhile.
   */
  async reconfigure(config: PollerConfig, stopDeadlineMs = this.options.stopDeadlineMs): Promise<void> {
    this.throwIfDisposed();
    this.options.stopDeadlineMs = stopDeadlineMs;
    if (JSON.stringify(config) === JSON.stringify(this.options.config)) {
      return;
    }
    this.options.config = config;
    if (this.currentState === 'stopping' && this.startAfterStop) {
      // A settings restart in progress: its next worker reads the newest config.
      return this.reconfigurePromise;
    }
    if (this.currentState === 'starting' || this.currentState === 'running' || this.currentState === 'paused') {
      this.log('info', 'settings changed; restarting the device poller');
      this.reconfigurePromise = this.stopWith('stop', this.options.stopDeadlineMs, true).then(() => {
        // Unless the user stopped, killed or disposed it meanwhile.
        if (this.startAfterStop && this.currentState === 'stopped') {
          this.startAfterStop = false;
          return this.spawn();
        }
        return undefined;
      });
      return this.reconfigurePromise;
    }
  }

  /** Runs `adb connect` / `adb disconnect` in the worker; fails clearly when no worker runs. */
  runAdbCommand(command: AdbCommand): Promise<CommandResult> {
    if (this.disposePromise) {
      return Promise.reject(new DisposedError());
    }
    if (!this.run || this.currentState !== 'running') {
      return Promise.resolve({ ok: false, message: this.notRunning() });
    }
    return this.run.runCommand(command);
  }

  /**
   * A device service's whole output (`shell:`, `exec:`, `sync:`), run by the worker; never rejects
   * but after dispose. The service is data: build it from constants and validated arguments.
   */
  requestDeviceService(target: DeviceServiceTarget, service: string, options?: DeviceRequestOptions): Promise<DeviceRequestResult> {
    if (this.disposePromise) {
      return Promise.reject(new DisposedError());
    }
    if (!this.run || this.currentState !== 'running') {
      return Promise.resolve({ ok: false, end: { reason: 'not-running', message: this.notRunning() } });
    }
    return this.run.deviceServices.request(target, service, options);
  }

  /** A device service's output as a stream, from the worker (DeviceStream); it ends on pause, stop, kill and crash. */
  openDeviceStream(target: DeviceServiceTarget, service: string, options?: DeviceStreamOptions): DeviceStream {
    this.throwIfDisposed();
    if (!this.run || this.currentState !== 'running') {
      return DeviceStream.endedAt({ reason: 'not-running', message: this.notRunning() });
    }
    return this.run.deviceServices.openStream(target, service, options);
  }

  /**
   * The host end of a capability's worker part (registered in the worker under `name`): post to
   * it while the watcher runs, hear its messages, its errors (an unknown name, a part that threw),
   * and the end of its work on pause, stop, kill and crash. Kept across workers; dispose() it.
   */
  capabilityChannel<ToWorker, FromWorker>(name: string): CapabilityChannel<ToWorker, FromWorker> {
    this.throwIfDisposed();
    const channel = new CapabilityChannel<ToWorker, FromWorker>(name, {
      send: (target, message, transfer) => {
        if (!this.run || this.currentState !== 'running') return false;
        this.run.postCapability(target, message, transfer);
        return true;
      },
      remove: (gone) => {
        const named = this.channels.get(name);
        named?.delete(gone);
        if (named?.size === 0) this.channels.delete(name);
      },
    });
    const named = this.channels.get(name) ?? new Set<ChannelEnd>();
    named.add(channel);
    this.channels.set(name, named);
    return channel;
  }

  /** Every capability channel hears that its worker part's work ended (once per run of the watcher). */
  private endCapabilityWork(end: CapabilityWorkerEnd): void {
    if (!this.capabilityWorkLive) return;
    this.capabilityWorkLive = false;
    for (const named of [...this.channels.values()]) {
      for (const channel of [...named]) channel.workerEnded(end);
    }
  }

  /** Why a job for the worker cannot run now, and what to do. */
  private notRunning(): string {
    const state = this.currentState;
    const next = state === 'paused' ? 'resume it first' : state === 'starting' || state === 'restarting' ? 'try again once it runs' : 'start it first';
    return `the device watcher is ${state}; ${next}`;
  }

  /** Graceful: the worker closes its sockets and exits; past the deadline it is terminated. */
  stop(): Promise<void> {
    return this.rejectIfDisposed() ?? this.stopWith('stop', this.options.stopDeadlineMs);
  }

  /** Terminates the worker now, wherever it is (even in a busy loop); wins over a stop in progress. */
  kill(): Promise<void> {
    if (this.disposePromise) {
      return Promise.reject(new DisposedError());
    }
    this.wantPaused = false;
    this.startAfterStop = false;
    if (this.currentState === 'restarting') {
      this.clearRestartTimer();
      this.setState('killed');
      return Promise.resolve();
    }
    const run = this.run;
    if (!run) {
      return Promise.resolve();
    }
    this.log('info', 'force-killing the device poller');
    return run.kill().then(() => undefined);
  }

  async restart(): Promise<void> {
    this.throwIfDisposed();
    await this.stop();
    await this.start();
  }

  /** Graceful with a short deadline, then terminate; every later call fails with DisposedError. */
  dispose(): Promise<void> {
    if (this.disposePromise) {
      return this.disposePromise;
    }
    const stopped = this.stopWith('dispose', this.options.disposeDeadlineMs);
    this.disposePromise = stopped.then(() => {
      this.clearRestartTimer();
      this.setState('disposed');
      for (const named of [...this.channels.values()]) {
        for (const channel of [...named]) channel.dispose();
      }
      this.stateEmitter.dispose();
      this.devicesEmitter.dispose();
      this.logEmitter.dispose();
    });
    return this.disposePromise;
  }

  /** `startAfter`: a settings restart, which keeps the user's pause; a deliberate stop ends it. */
  private stopWith(cause: 'stop' | 'dispose', deadlineMs: number, startAfter = false): Promise<void> {
    if (!startAfter) {
      this.wantPaused = false;
    }
    this.startAfterStop = startAfter;
    this.clearRestartTimer();
    if (this.currentState === 'restarting') {
      this.setState('stopped');
    }
    const run = this.run;
    if (!run) {
      return Promise.resolve();
    }
    if (this.currentState === 'stopping') {
      // Already on its way out; a dispose may shorten the deadline. The recorded cause stays.
      void run.stop(cause, deadlineMs);
      return this.stopPromise!;
    }
    this.setState('stopping');
    this.stopPromise = run.stop(cause, deadlineMs).then(() => undefined);
    return this.stopPromise;
  }

  /**
   * Records the user's wish where a worker will take it: a live one, one starting, one about to
   * restart. A pause while idle, stopping for good, stopped, killed or crashed is not kept.
   */
  private setPaused(paused: boolean): Promise<void> {
    const state = this.currentState;
    if (state === 'running' || state === 'paused' || state === 'starting' || state === 'restarting' || (state === 'stopping' && this.startAfterStop)) {
      this.wantPaused = paused;
    }
    const settling = state === 'starting' ? this.startPromise : state === 'stopping' && this.startAfterStop ? this.reconfigurePromise : undefined;
    return settling ? settling.then(() => this.applyPause()) : this.applyPause();
  }

  /** Brings a live worker to the wished pause; resolves when the worker acknowledged it. */
  private applyPause(): Promise<void> {
    const run = this.run;
    if (!run) {
      return Promise.resolve();
    }
    if (this.currentState === 'running' && this.wantPaused) {
      this.setState('paused');
      return run.pause().then(() => {
        // The worker ended its capabilities' work before it said paused (unless it exited: its exit said so).
        if (run !== this.run) return;
        this.endCapabilityWork({ reason: 'paused', message: 'the device watcher paused' });
        // Resumed meanwhile: the worker runs again.
        this.capabilityWorkLive = this.currentState === 'running';
      });
    }
    if (this.currentState === 'paused' && !this.wantPaused) {
      this.setState('running');
      return run.resume();
    }
    return Promise.resolve();
  }

  private spawn(): Promise<void> {
    this.clearRestartTimer();
    this.setState('starting');
    const run = new WorkerRun(
      { ...this.options, workerData: { config: this.options.config, startPaused: this.wantPaused, background: !this.focused, extra: this.options.extraWorkerData } },
      {
        ready: () => this.onReady(run),
        message: (message) => this.onMessage(message),
        log: (level, message) => this.log(level, message),
        exit: (exit) => this.onExit(run, exit),
      },
    );
    this.run = run;
    this.startPromise = run.ready;
    return this.startPromise;
  }

  private onReady(run: WorkerRun): void {
    if (run !== this.run) {
      return;
    }
    this.error = undefined;
    if (this.currentState !== 'starting') {
      // A stop, kill or dispose came first; its exit decides what follows.
      return;
    }
    if (run.startedPaused && !this.wantPaused) {
      // Started paused (it opened no connection), and resumed meanwhile.
      this.setState('running');
      void run.resume();
      return;
    }
    this.setState(run.startedPaused ? 'paused' : 'running');
    void this.applyPause();
  }

  private onMessage(message: Extract<WorkerMessage, { type: 'snapshot' | 'log' | 'capability' | 'capability-error' }>): void {
    if (message.type === 'capability' || message.type === 'capability-error') {
      const named = this.channels.get(message.name);
      for (const channel of named ? [...named] : []) {
        if (message.type === 'capability') channel.deliver({ id: message.id, payload: message.payload });
        else channel.fail({ id: message.id, message: message.message });
      }
      if (!named && message.type === 'capability-error') this.log('warn', message.message);
    } else if (message.type === 'snapshot') {
      this.lastSnapshot = message.snapshot;
      this.devicesEmitter.fire({ snapshot: message.snapshot, changes: message.changes });
    } else {
      // A level this host does not know (a newer worker, a bad one) must not break the log's listeners.
      this.log(LOG_LEVELS.includes(message.level) ? message.level : 'info', message.message);
    }
  }

  private onExit(run: WorkerRun, exit: WorkerExit): void {
    if (run !== this.run) {
      return;
    }
    this.run = undefined;
    this.endCapabilityWork(endOfExit(exit.cause, exit.error));
    if (exit.cause === 'stop' || exit.cause === 'dispose' || exit.cause === 'kill') {
      this.setState(exit.cause === 'kill' ? 'killed' : 'stopped');
    } else if (exit.cause === 'protocol') {
      // A stale bundle: restarting it would fail the same way.
      this.error = exit.error?.message;
      this.setState('crashed', this.error);
    } else {
      // A crash, a failed start, or a worker the watchdog ended.
      this.onCrash(exit);
    }
  }

  private onCrash(exit: WorkerExit): void {
    const reason = exit.error?.message ?? `the device poller exited unexpectedly (code ${exit.code})`;
    this.error = reason;
    this.log('error', reason);
    if (this.disposePromise) {
      this.setState('stopped', reason);
      return;
    }
    const { crashes, restartInMs: delay } = this.crashBudget.record();
    if (delay === undefined) {
      this.log('error', `the device poller crashed ${crashes} times; not restarting it again`);
      this.setState('crashed', reason);
      return;
    }
    this.log('info', `restarting the device poller in ${delay} ms`);
    this.setState('restarting', reason);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.disposePromise) {
        void this.spawn();
      }
    }, delay);
    this.restartTimer.unref();
  }

  private rejectIfDisposed(): Promise<never> | undefined {
    return this.disposePromise ? Promise.reject(new DisposedError()) : undefined;
  }

  private throwIfDisposed(): void {
    if (this.disposePromise) {
      throw new DisposedError();
    }
  }

  private clearRestartTimer(): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }

  private log(level: LogLevel, message: string): void {
    this.logEmitter.fire({ level, message, at: Date.now() });
  }

  private setState(state: PollerState, reason?: string): void {
    const previous = this.currentState;
    if (previous === state) {
      return;
    }
    this.currentState = state;
    if (state === 'running') {
      this.capabilityWorkLive = true;
    }
    this.stateEmitter.fire({ previous, state, reason });
  }
}
