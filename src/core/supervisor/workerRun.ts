// One worker thread's life, from spawn to exit: the ready handshake (deadline, protocol version,
// a second `ready` ignored), the heartbeat watchdog, requests waiting for replies, and why the host
// ended it. It reports to its owner (the supervisor) through a listener and decides no state.

import { Worker } from 'node:worker_threads';
import { CapabilityMessage } from '../../poller/capabilityProtocol';
import { HostMessage, PROTOCOL_VERSION, WorkerData, WorkerMessage } from '../../poller/protocol';
import { AdbCommand, CommandResult, LogLevel } from '../types';
import { DeviceServiceClient, DeviceServiceEnd } from './deviceStreams';
import { PendingRequests } from './pendingRequests';

/**
 * Why the host ended a worker, recorded before it acts. An exit with none recorded is a crash.
 * Deliberate causes outrank the host's own diagnoses (a stop in progress stays a stop when the
 * ready deadline or a protocol mismatch then ends the worker), and kill outranks everything.
 */

const STOPPED_BEFORE_ANSWER: CommandResult = { ok: false, message: 'the device watcher stopped before adb answered' };
export type ExitCause = 'ready-timeout' | 'protocol' | 'watchdog' | 'stop' | 'dispose' | 'kill';

const RANK: Record<ExitCause, number> = { 'ready-timeout': 1, protocol: 1, watchdog: 1, stop: 2, dispose: 2, kill: 3 };

export interface WorkerExit {
  /** Undefined: the host did not end it (a crash). */
  cause?: ExitCause;
  /** The worker's uncaught error, or the host's diagnosis (ready deadline, protocol, watchdog). */
  error?: Error;
  code: number;
}

export interface WorkerRunOptions {
  workerScript: string;
  workerData: WorkerData;
  maxHeapMb: number;
  readyTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** The heartbeat while the window is in the background (workerData.background, setFocused). */
  backgroundHeartbeatIntervalMs: number;
  watchdogTimeoutMs: number;
}

/** What the worker said or did, for the supervisor. */
export interface WorkerRunListener {
  /** The handshake passed (once). */
  ready(): void;
  /** A message for the supervisor's own handling (snapshots, log lines, capabilities' messages). */
  message(message: Extract<WorkerMessage, { type: 'snapshot' | 'log' | 'capability' | 'capability-error' }>): void;
  /** Something the host side noticed about this worker. */
  log(level: LogLevel, message: string): void;
  /** The thread has ended; every pending request has been settled. */
  exit(exit: WorkerExit): void;
}

/** How a device service still open (or a capability's work) ends when its worker exits without a word about it. */
export function endOfExit(cause: ExitCause | undefined, error: Error | undefined): DeviceServiceEnd & { reason: 'killed' | 'stopped' | 'crashed' } {
  if (cause === 'kill') return { reason: 'killed', message: 'the device watcher was force-killed' };
  if (cause === 'stop' || cause === 'dispose') return { reason: 'stopped', message: 'the device watcher stopped' };
  return { reason: 'crashed', message: error?.message ?? 'the device watcher exited unexpectedly' };
}

export class WorkerRun {
  /** Resolves at a valid `ready`; rejects when the worker exits (or is refused) before it. */
  readonly ready: Promise<void>;
  /** Resolves once the thread has ended and the listener has heard it. */
  readonly exited: Promise<WorkerExit>;
  readonly startedPaused: boolean;
  private readonly worker: Worker;
  private cause?: ExitCause;
  private error?: Error;
  private isReady = false;
  private hasExited = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readyTimer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private heartbeatMs: number;
  private lastTickAt = 0;
  /** The one ping in flight: the watchdog times it, not the time since the last pong. */
  private ping?: { id: number; sentAt: number };
  private pingId = 0;
  private focused: boolean;
  private commandId = 0;
  private readonly acks = new PendingRequests<'paused' | 'resumed', void>();
  private readonly commands = new PendingRequests<number, CommandResult>();
  /** Device service requests and streams in this worker; the exit ends those it could not. */
  readonly deviceServices = new DeviceServiceClient((message, transfer) => this.post(message, transfer));

  constructor(
    private readonly options: WorkerRunOptions,
    private readonly listener: WorkerRunListener,
  ) {
    this.startedPaused = options.workerData.startPaused ?? false;
    this.focused = !options.workerData.background;
    this.heartbeatMs = this.focused ? options.heartbeatIntervalMs : options.backgroundHeartbeatIntervalMs;
    let resolveReady!: () => void;
    let rejectReady!: (error: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    // Repeat callers share this promise; an unobserved failed start is not an unhandled rejection.
    this.ready.catch(() => undefined);
    let markExited!: (exit: WorkerExit) => void;
    this.exited = new Promise((resolve) => (markExited = resolve));

    this.worker = new Worker(options.workerScript, {
      workerData: options.workerData,
      resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb },
    });
    this.readyTimer = this.later(options.readyTimeoutMs, () => {
      this.error ??= new Error(`the device poller did not start within ${options.readyTimeoutMs} ms`);
      this.end('ready-timeout');
    });
    this.worker.on('message', (message: WorkerMessage) => this.onMessage(message, resolveReady, rejectReady));
    this.worker.on('error', (error) => {
      // An uncaught exception in the worker; its exit follows.
      this.error ??= error;
      listener.log('error', `the device poller failed: ${error.stack ?? error.message}`);
    });
    this.worker.on('exit', (code) => {
      this.hasExited = true;
      for (const timer of this.timers) {
        clearTimeout(timer);
      }
      this.timers.clear();
      this.acks.settleAll(undefined);
      this.commands.settleAll(STOPPED_BEFORE_ANSWER);
      this.deviceServices.endAll(endOfExit(this.cause, this.error));
      const exit: WorkerExit = { cause: this.cause, error: this.error, code };
      listener.exit(exit);
      markExited(exit);
      // Settles nothing when ready came first; otherwise the start failed.
      rejectReady(new Error(this.error?.message ?? `the device poller exited during start (code ${code})`));
    });
    // A daemon: the worker never keeps the host process alive. After the listeners: adding a
    // 'message' listener refs the worker's port again.
    this.worker.unref();
  }

  /** The live thread, for diagnostics and tests only (they post their own messages to it). */
  get thread(): Pick<Worker, 'threadId' | 'postMessage'> {
    return this.worker;
  }

  pause(): Promise<void> {
    if (this.hasExited) return Promise.resolve();
    const acked = this.acks.wait('paused');
    this.post({ type: 'pause' });
    return acked;
  }

  resume(): Promise<void> {
    if (this.hasExited) return Promise.resolve();
    const acked = this.acks.wait('resumed');
    this.post({ type: 'resume' });
    return acked;
  }

  refresh(): void {
    this.post({ type: 'refresh' });
  }

  /** Tells the worker the window's focus (the poll's pace) and sets the heartbeat's pace; only on a change. */
  setFocused(focused: boolean): void {
    if (focused === this.focused) return;
    this.focused = focused;
    this.post({ type: 'focus', focused });
    this.heartbeatMs = focused ? this.options.heartbeatIntervalMs : this.options.backgroundHeartbeatIntervalMs;
    if (this.heartbeat) this.armHeartbeat();
  }

  runCommand(command: AdbCommand): Promise<CommandResult> {
    // Its exit settled every waiter already: a later one would wait for ever.
    if (this.hasExited) return Promise.resolve(STOPPED_BEFORE_ANSWER);
    const id = ++this.commandId;
    const reply = this.commands.wait(id);
    this.post({ type: 'adb-command', id, command });
    return reply;
  }

  /** A message for a capability's worker part. */
  postCapability(name: string, message: CapabilityMessage, transfer?: ArrayBuffer[]): void {
    this.post({ type: 'capability', name, ...message }, transfer);
  }

  /** Graceful: the worker closes everything and ends; past the deadline it is terminated. */
  stop(cause: 'stop' | 'dispose', deadlineMs: number): Promise<WorkerExit> {
    this.record(cause);
    this.post({ type: 'stop' });
    this.later(deadlineMs, () => {
      if (this.cause === 'kill') {
        return;
      }
      this.listener.log('warn', `the device poller did not stop within ${deadlineMs} ms; terminating it`);
      void this.worker.terminate();
    });
    return this.exited;
  }

  /** Terminates the thread now, wherever it is (even in a busy loop). */
  kill(): Promise<WorkerExit> {
    this.end('kill');
    return this.exited;
  }

  private onMessage(message: WorkerMessage, resolveReady: () => void, rejectReady: (error: Error) => void): void {
    switch (message.type) {
      case 'ready':
        if (this.isReady) {
          this.listener.log('warn', 'the device poller said ready twice; ignored');
        } else {
          this.onReady(message.protocolVersion, resolveReady, rejectReady);
        }
        break;
      case 'pong':
        if (this.ping && message.id >= this.ping.id) {
          this.ping = undefined;
        }
        break;
      case 'paused':
      case 'resumed':
        this.acks.settle(message.type, undefined);
        break;
      case 'adb-command-result':
        this.commands.settle(message.id, {
          ok: message.ok,
          message: message.message,
          ...(message.unsupported && { unsupported: true }),
          ...(message.timedOut && { timedOut: true }),
        });
        break;
      case 'stopped':
        // The exit follows.
        break;
      case 'snapshot':
      case 'log':
      case 'capability':
      case 'capability-error':
        this.listener.message(message);
        break;
      case 'device-request-result':
      case 'device-stream-opened':
      case 'device-stream-data':
      case 'device-stream-written':
      case 'device-end':
        this.deviceServices.onMessage(message);
        break;
      default: {
        const unknown: never = message;
        this.listener.log('warn', `unknown message from the device poller: ${JSON.stringify(unknown)?.slice(0, 200)}`);
      }
    }
  }

  private onReady(version: number, resolve: () => void, reject: (error: Error) => void): void {
    if (version !== PROTOCOL_VERSION) {
      this.error = new Error(`the device poller speaks protocol ${version}, expected ${PROTOCOL_VERSION}; reinstall the extension`);
      reject(this.error);
      this.end('protocol');
      return;
    }
    this.isReady = true;
    this.forget(this.readyTimer);
    this.armHeartbeat();
    this.listener.ready();
    resolve();
  }

  /**
   * (Re)starts the heartbeat at its current pace. The next tick's lateness is counted from now, at
   * the new pace: a change of pace is not a host stall. A ping in flight keeps its clock.
   */
  private armHeartbeat(): void {
    this.forget(this.heartbeat);
    this.lastTickAt = performance.now();
    this.heartbeat = setInterval(() => this.tick(), this.heartbeatMs);
    this.heartbeat.unref();
    this.timers.add(this.heartbeat);
  }

  /**
   * The watchdog: one ping in flight at a time, timed from when it was sent, checked at each tick
   * (so a worker that stops answering is ended at the first tick past the deadline). Time the
   * host itself was not running (a breakpoint, another extension's synchronous work) shows as a
   * tick coming later than its interval; that lateness is not the worker's: the ping's clock
   * moves on by it (its pong may well be queued behind this very timer).
   */
  private tick(): void {
    const now = performance.now();
    const lateness = Math.max(0, now - this.lastTickAt - this.heartbeatMs);
    this.lastTickAt = now;
    if (this.cause) {
      return;
    }
    if (!this.ping) {
      this.ping = { id: ++this.pingId, sentAt: now };
      this.post({ type: 'ping', id: this.ping.id });
      return;
    }
    this.ping.sentAt += lateness;
    const waited = now - this.ping.sentAt;
    if (waited > this.options.watchdogTimeoutMs) {
      this.error = new Error(`the device poller stopped answering for ${Math.round(waited)} ms; it was force-killed`);
      this.listener.log('error', this.error.message);
      this.end('watchdog');
    }
  }

  /** Records why the host ends the worker (unless a stronger cause is on record), then ends it. */
  private end(cause: ExitCause): void {
    this.record(cause);
    void this.worker.terminate();
  }

  private record(cause: ExitCause): void {
    if (!this.cause || RANK[cause] > RANK[this.cause]) {
      this.cause = cause;
    }
  }

  /** A timer of this run: unref'd (a daemon), cleared when the worker exits. */
  private later(ms: number, action: () => void): NodeJS.Timeout | undefined {
    if (this.hasExited) {
      return undefined;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    timer.unref();
    this.timers.add(timer);
    return timer;
  }

  private forget(timer: NodeJS.Timeout | undefined): void {
    if (timer) {
      clearTimeout(timer); // clears an interval as well
      this.timers.delete(timer);
    }
  }

  private post(message: HostMessage, transfer?: ArrayBuffer[]): void {
    if (!this.hasExited) {
      this.worker.postMessage(message, transfer);
    }
  }
}
