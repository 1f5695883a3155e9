// Runs the device poller in a worker thread and owns its whole life: one state machine, one
// setter that fires only on real changes, graceful stop with escalation, force-kill, a crash
// budget with backoff, and a heartbeat watchdog. No `vscode` import: tested in plain mocha.

import { Worker } from 'node:worker_threads';
import { backoffDelay, BackoffPolicy } from '../common/backoff';
import { Emitter } from '../common/events';
import { HostMessage, PROTOCOL_VERSION, WorkerData, WorkerMemoryUsage, WorkerMessage, WorkerTestHooks } from '../poller/protocol';
import { AdbCommand, CommandResult, DeviceChanges, LogLevel, LogLine, PollerConfig, Snapshot } from '../shared/types';

export type PollerState =
  | 'idle'
  | 'starting'
  | 'running'
  | 'paused'
  | 'stopping'
  | 'stopped'
  | 'killed'
  | 'restarting'
  | 'crashed'
  | 'disposed';

export interface StateChange {
  previous: PollerState;
  state: PollerState;
  /** Why, when the change was not simply what a caller asked for. */
  reason?: string;
}

export interface DevicesUpdate {
  snapshot: Snapshot;
  changes: DeviceChanges;
}

export interface SupervisorOptions {
  /** The worker bundle (dist/worker.js). */
  workerScript: string;
  config: PollerConfig;
  /** Graceful stop: how long the worker gets before it is terminated. */
  stopDeadlineMs: number;
  /** The same, on dispose: VS Code gives the extension host ~5 s to shut down. */
  disposeDeadlineMs: number;
  /** A worker that has not said `ready` by then is a failed start. */
  readyTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** No pong for this long: the worker's event loop is stuck; force-kill it and count a crash. */
  watchdogTimeoutMs: number;
  /** Restart after unrequested exits, unless more than `crashes` happened within `windowMs`. */
  restartBudget: { crashes: number; windowMs: number };
  restartBackoff: BackoffPolicy;
  /** A runaway worker becomes ERR_WORKER_OUT_OF_MEMORY (a crash), not a dead extension host. */
  maxHeapMb: number;
  testHooks?: WorkerTestHooks;
}

export const DEFAULT_SUPERVISOR_OPTIONS: Omit<SupervisorOptions, 'workerScript' | 'config'> = {
  stopDeadlineMs: 2000,
  disposeDeadlineMs: 1000,
  readyTimeoutMs: 10_000,
  heartbeatIntervalMs: 1000,
  watchdogTimeoutMs: 5000,
  restartBudget: { crashes: 5, windowMs: 3 * 60_000 },
  restartBackoff: { initialMs: 500, factor: 2, maxMs: 10_000 },
  maxHeapMb: 64,
};

/** Why the host itself ends a worker; an exit with none of these recorded is a crash. */
type ExitCause = 'stop' | 'kill' | 'dispose' | 'watchdog' | 'protocol';

interface WorkerRun {
  worker: Worker;
  exited: Promise<void>;
  exitCause?: ExitCause;
  lastError?: Error;
  lastPongAt: number;
  pingId: number;
  timers: NodeJS.Timeout[];
  acks: Map<'paused' | 'resumed', () => void>;
  commands: Map<number, (result: CommandResult) => void>;
}

export class DisposedError extends Error {
  constructor() {
    super('the device poller has been disposed');
  }
}

export class PollerSupervisor {
  private readonly options: SupervisorOptions;
  private currentState: PollerState = 'idle';
  private run?: WorkerRun;
  private startPromise?: Promise<void>;
  private stopPromise?: Promise<void>;
  private disposePromise?: Promise<void>;
  private restartTimer?: NodeJS.Timeout;
  private crashTimes: number[] = [];
  private wantPaused = false;
  private commandId = 0;
  private lastSnapshot?: Snapshot;
  private error?: string;

  private readonly stateEmitter = new Emitter<StateChange>();
  private readonly devicesEmitter = new Emitter<DevicesUpdate>();
  private readonly logEmitter = new Emitter<LogLine>();
  readonly onDidChangeState = this.stateEmitter.event;
  readonly onDidChangeDevices = this.devicesEmitter.event;
  readonly onLog = this.logEmitter.event;

  constructor(options: Pick<SupervisorOptions, 'workerScript' | 'config'> & Partial<SupervisorOptions>) {
    this.options = { ...DEFAULT_SUPERVISOR_OPTIONS, ...options };
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

  /** A live worker's thread id, for tests and diagnostics. */
  get workerThreadId(): number | undefined {
    return this.run?.worker.threadId;
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
      case 'restarting':
        clearTimeout(this.restartTimer);
        return this.spawn();
      case 'crashed':
        // A deliberate start after the budget ran out gets a fresh budget.
        this.crashTimes = [];
        return this.spawn();
      default:
        return this.spawn();
    }
  }

  pause(): Promise<void> {
    if (this.disposePromise) {
      return Promise.reject(new DisposedError());
    }
    this.wantPaused = true;
    if (this.currentState === 'starting') {
      return this.startPromise!.then(() => this.pause());
    }
    if (this.currentState !== 'running' || !this.run) {
      return Promise.resolve();
    }
    const acked = this.awaitAck(this.run, 'paused');
    this.post({ type: 'pause' });
    this.setState('paused');
    return acked;
  }

  resume(): Promise<void> {
    if (this.disposePromise) {
      return Promise.reject(new DisposedError());
    }
    this.wantPaused = false;
    if (this.currentState === 'starting') {
      return this.startPromise!.then(() => this.resume());
    }
    if (this.currentState !== 'paused' || !this.run) {
      return Promise.resolve();
    }
    const acked = this.awaitAck(this.run, 'resumed');
    this.post({ type: 'resume' });
    this.setState('running');
    return acked;
  }

  /** Asks the worker for a fresh reading of every server now. */
  refresh(): void {
    if (this.disposePromise) {
      throw new DisposedError();
    }
    if (this.currentState === 'running') {
      this.post({ type: 'refresh' });
    }
  }

  /**
   * New settings. The stop deadline applies at once; a changed poller config restarts a live
   * worker (keeping it paused if it was), since the worker reads its config once at start.
   */
  async reconfigure(config: PollerConfig, stopDeadlineMs = this.options.stopDeadlineMs): Promise<void> {
    if (this.disposePromise) {
      throw new DisposedError();
    }
    this.options.stopDeadlineMs = stopDeadlineMs;
    if (JSON.stringify(config) === JSON.stringify(this.options.config)) {
      return;
    }
    this.options.config = config;
    if (this.currentState === 'starting' || this.currentState === 'running' || this.currentState === 'paused') {
      const paused = this.wantPaused;
      this.log('info', 'settings changed; restarting the device poller');
      await this.restart();
      if (paused) {
        await this.pause();
      }
    }
  }

  get config(): PollerConfig {
    return this.options.config;
  }

  /** Runs `adb connect` / `adb disconnect` in the worker; fails clearly when no worker runs. */
  runAdbCommand(command: AdbCommand): Promise<CommandResult> {
    if (this.disposePromise) {
      return Promise.reject(new DisposedError());
    }
    const run = this.run;
    if (!run || this.currentState !== 'running') {
      return Promise.resolve({ ok: false, message: `the device watcher is ${this.currentState}; start it first` });
    }
    const id = ++this.commandId;
    return new Promise((resolve) => {
      run.commands.set(id, resolve);
      this.post({ type: 'adb-command', id, command });
    });
  }

  /** Graceful: the worker closes its sockets and exits; past the deadline it is terminated. */
  stop(): Promise<void> {
    if (this.disposePromise) {
      return Promise.reject(new DisposedError());
    }
    return this.stopWith('stop', this.options.stopDeadlineMs);
  }

  /** Terminates the worker now, wherever it is (even in a busy loop); wins over a stop in progress. */
  kill(): Promise<void> {
    if (this.disposePromise) {
      return Promise.reject(new DisposedError());
    }
    this.wantPaused = false;
    if (this.currentState === 'restarting') {
      clearTimeout(this.restartTimer);
      this.setState('killed');
      return Promise.resolve();
    }
    const run = this.run;
    if (!run) {
      return Promise.resolve();
    }
    this.log('info', 'force-killing the device poller');
    run.exitCause = 'kill';
    void run.worker.terminate();
    return run.exited;
  }

  async restart(): Promise<void> {
    if (this.disposePromise) {
      throw new DisposedError();
    }
    await this.stop();
    await this.start();
  }

  /** Graceful with a short deadline, then terminate; every later call fails with DisposedError. */
  dispose(): Promise<void> {
    if (this.disposePromise) {
      return this.disposePromise;
    }
    const stopped =
      this.currentState === 'stopping' ? this.stopPromise! : this.stopWith('dispose', this.options.disposeDeadlineMs);
    this.disposePromise = stopped.then(() => {
      this.setState('disposed');
      this.stateEmitter.dispose();
      this.devicesEmitter.dispose();
      this.logEmitter.dispose();
    });
    return this.disposePromise;
  }

  private stopWith(cause: 'stop' | 'dispose', deadlineMs: number): Promise<void> {
    // A deliberate stop ends a pause too: the next start runs.
    this.wantPaused = false;
    if (this.currentState === 'stopping') {
      return this.stopPromise!;
    }
    if (this.currentState === 'restarting') {
      clearTimeout(this.restartTimer);
      this.setState('stopped');
    }
    const run = this.run;
    if (!run) {
      return Promise.resolve();
    }
    run.exitCause = cause;
    this.setState('stopping');
    this.post({ type: 'stop' });
    const deadline = setTimeout(() => {
      if (run.exitCause === cause) {
        // Still a stop (ends in `stopped`); only an explicit kill ends in `killed`.
        this.log('warn', `the device poller did not stop within ${deadlineMs} ms; terminating it`);
        void run.worker.terminate();
      }
    }, deadlineMs);
    run.timers.push(deadline);
    this.stopPromise = run.exited;
    return this.stopPromise;
  }

  private spawn(): Promise<void> {
    this.setState('starting');
    const data: WorkerData = { config: this.options.config, testHooks: this.options.testHooks };
    const worker = new Worker(this.options.workerScript, {
      workerData: data,
      resourceLimits: { maxOldGenerationSizeMb: this.options.maxHeapMb },
    });
    let markExited!: () => void;
    const run: WorkerRun = {
      worker,
      exited: new Promise<void>((resolve) => (markExited = resolve)),
      lastPongAt: performance.now(),
      pingId: 0,
      timers: [],
      acks: new Map(),
      commands: new Map(),
    };
    this.run = run;

    this.startPromise = new Promise<void>((resolve, reject) => {
      const readyTimer = setTimeout(() => {
        run.lastError = new Error(`the device poller did not start within ${this.options.readyTimeoutMs} ms`);
        run.exitCause = undefined;
        void worker.terminate();
      }, this.options.readyTimeoutMs);
      readyTimer.unref();
      run.timers.push(readyTimer);

      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          clearTimeout(readyTimer);
          this.onReady(run, message.protocolVersion, resolve, reject);
        } else {
          this.onMessage(run, message);
        }
      });
      worker.on('error', (error) => {
        // An uncaught exception in the worker; its exit follows and is handled as a crash.
        run.lastError = error;
        this.log('error', `the device poller failed: ${error.stack ?? error.message}`);
      });
      worker.on('exit', (code) => {
        this.onExit(run, code);
        markExited();
        // Settles nothing when ready came first; otherwise the start failed.
        reject(new Error(run.lastError?.message ?? `the device poller exited during start (code ${code})`));
      });
    });
    // A daemon: the worker never keeps the host process alive. After the listeners: adding a
    // 'message' listener refs the worker's port again.
    worker.unref();
    // Internal restarts and repeat callers share this promise; an unobserved failure is not an error.
    this.startPromise.catch(() => undefined);
    return this.startPromise;
  }

  private onReady(run: WorkerRun, version: number, resolve: () => void, reject: (error: Error) => void): void {
    if (version !== PROTOCOL_VERSION) {
      const error = new Error(`the device poller speaks protocol ${version}, expected ${PROTOCOL_VERSION}; reinstall the extension`);
      run.lastError = error;
      run.exitCause = 'protocol';
      void run.worker.terminate();
      reject(error);
      return;
    }
    this.error = undefined;
    run.lastPongAt = performance.now();
    const heartbeat = setInterval(() => this.checkHeartbeat(run), this.options.heartbeatIntervalMs);
    heartbeat.unref();
    run.timers.push(heartbeat);
    if (this.currentState === 'starting') {
      this.setState('running');
      if (this.wantPaused) {
        void this.pause();
      }
    }
    resolve();
  }

  private onMessage(run: WorkerRun, message: WorkerMessage): void {
    switch (message.type) {
      case 'snapshot':
        this.lastSnapshot = message.snapshot;
        this.devicesEmitter.fire({ snapshot: message.snapshot, changes: message.changes });
        break;
      case 'pong':
        run.lastPongAt = performance.now();
        break;
      case 'paused':
      case 'resumed':
        run.acks.get(message.type)?.();
        run.acks.delete(message.type);
        break;
      case 'log':
        this.log(message.level, message.message);
        break;
      case 'adb-command-result':
        run.commands.get(message.id)?.({ ok: message.ok, message: message.message });
        run.commands.delete(message.id);
        break;
      case 'test-heap':
        this.testHeapReplies.get(message.id)?.(message.memory);
        break;
      default:
        break;
    }
  }

  private checkHeartbeat(run: WorkerRun): void {
    if (run !== this.run || run.exitCause) {
      return;
    }
    const silentFor = performance.now() - run.lastPongAt;
    if (silentFor > this.options.watchdogTimeoutMs) {
      run.exitCause = 'watchdog';
      run.lastError = new Error(`the device poller stopped answering for ${Math.round(silentFor)} ms; it was force-killed`);
      this.log('error', run.lastError.message);
      void run.worker.terminate();
      return;
    }
    this.post({ type: 'ping', id: ++run.pingId });
  }

  private onExit(run: WorkerRun, code: number): void {
    for (const timer of run.timers) {
      clearTimeout(timer);
    }
    for (const ack of run.acks.values()) {
      ack();
    }
    run.acks.clear();
    for (const reply of run.commands.values()) {
      reply({ ok: false, message: 'the device watcher stopped before adb answered' });
    }
    run.commands.clear();
    if (run !== this.run) {
      return;
    }
    this.run = undefined;
    switch (run.exitCause) {
      case 'stop':
        this.setState('stopped');
        return;
      case 'dispose':
        this.setState('stopped');
        return;
      case 'kill':
        this.setState('killed');
        return;
      case 'protocol':
        this.error = run.lastError?.message;
        this.setState('crashed', this.error);
        return;
      default:
        this.onCrash(run, code);
    }
  }

  private onCrash(run: WorkerRun, code: number): void {
    const reason = run.lastError?.message ?? `the device poller exited unexpectedly (code ${code})`;
    this.error = reason;
    this.log('error', reason);
    const now = performance.now();
    this.crashTimes = this.crashTimes.filter((at) => now - at < this.options.restartBudget.windowMs);
    this.crashTimes.push(now);
    if (this.crashTimes.length > this.options.restartBudget.crashes) {
      this.log('error', `the device poller crashed ${this.crashTimes.length} times; not restarting it again`);
      this.setState('crashed', reason);
      return;
    }
    const delay = backoffDelay(this.options.restartBackoff, this.crashTimes.length - 1);
    this.log('info', `restarting the device poller in ${delay} ms`);
    this.setState('restarting', reason);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.spawn();
    }, delay);
    this.restartTimer.unref();
  }

  private awaitAck(run: WorkerRun, ack: 'paused' | 'resumed'): Promise<void> {
    return new Promise((resolve) => {
      const previous = run.acks.get(ack);
      run.acks.set(ack, () => {
        previous?.();
        resolve();
      });
    });
  }

  private post(message: HostMessage): void {
    this.run?.worker.postMessage(message);
  }

  /** Test-only: make the worker spin forever (needs `testHooks.allowBusyLoop`). */
  sendTestBusyLoop(): void {
    this.post({ type: 'test-busy-loop' });
  }

  /** Test-only: make the worker grow its heap until it hits `maxHeapMb` (needs `testHooks.allowLeak`). */
  sendTestLeak(): void {
    this.post({ type: 'test-leak' });
  }

  private readonly testHeapReplies = new Map<number, (memory: WorkerMemoryUsage) => void>();
  private testHeapId = 0;

  /** Test-only: the worker's own memory usage (needs `testHooks.reportHeap`); rejects after `timeoutMs`. */
  testHeapUsage(timeoutMs = 2000): Promise<WorkerMemoryUsage> {
    const id = ++this.testHeapId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.testHeapReplies.delete(id);
        reject(new Error(`the worker did not report its heap within ${timeoutMs} ms (state ${this.currentState})`));
      }, timeoutMs);
      this.testHeapReplies.set(id, (memory) => {
        clearTimeout(timer);
        this.testHeapReplies.delete(id);
        resolve(memory);
      });
      this.post({ type: 'test-heap', id });
    });
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
    this.stateEmitter.fire({ previous, state, reason });
  }
}
