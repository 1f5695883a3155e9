// The host end of a capability's worker part (src/poller/workerCapabilities.ts): post to it while
// the watcher runs, hear its messages and errors, and hear when its work ended because the worker
// paused, stopped, was killed or crashed. A channel belongs to the supervisor, not to one worker:
// it outlives restarts (the worker part starts afresh in each worker).

import { Emitter, Event } from '../events';
import { CapabilityMessage, CapabilityWorkerEnd } from '../../poller/capabilityProtocol';

export type { CapabilityMessage, CapabilityWorkerEnd } from '../../poller/capabilityProtocol';

/** The worker could not hand a message on (no such capability, paused) or the capability threw. */
export interface CapabilityError {
  id?: number;
  message: string;
}

/** What a channel needs of its supervisor. */
export interface CapabilityRoute {
  /** Sends when the watcher runs; false (nothing sent) otherwise. */
  send(name: string, message: CapabilityMessage, transfer?: ArrayBuffer[]): boolean;
  remove(channel: ChannelEnd): void;
}

/** The supervisor's view of a channel, whatever its message types. */
export interface ChannelEnd {
  deliver(message: CapabilityMessage): void;
  fail(error: CapabilityError): void;
  workerEnded(end: CapabilityWorkerEnd): void;
  dispose(): void;
}

export class CapabilityChannel<ToWorker, FromWorker> implements ChannelEnd {
  private readonly messageEmitter = new Emitter<CapabilityMessage<FromWorker>>();
  private readonly errorEmitter = new Emitter<CapabilityError>();
  private readonly endEmitter = new Emitter<CapabilityWorkerEnd>();
  /** The worker part's messages, in the order it posted them. */
  readonly onMessage: Event<CapabilityMessage<FromWorker>> = this.messageEmitter.event;
  readonly onError: Event<CapabilityError> = this.errorEmitter.event;
  /**
   * The worker part's work ended with the worker's run (after its last message of that run): on
   * pause, stop, kill or crash; once for each time the watcher ran.
   */
  readonly onWorkerEnd: Event<CapabilityWorkerEnd> = this.endEmitter.event;
  private disposed = false;

  constructor(
    readonly name: string,
    private readonly route: CapabilityRoute,
  ) {}

  /**
   * To the worker part; true when sent. Nothing is sent (false) unless the watcher runs: a worker
   * that is paused, stopping or gone does no work. `transfer`: ArrayBuffers in the payload to move.
   */
  post(payload: ToWorker, options: { id?: number; transfer?: ArrayBuffer[] } = {}): boolean {
    if (this.disposed) return false;
    return this.route.send(this.name, { id: options.id, payload }, options.transfer);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.route.remove(this);
    this.messageEmitter.dispose();
    this.errorEmitter.dispose();
    this.endEmitter.dispose();
  }

  /** @internal the supervisor's routing. */
  deliver(message: CapabilityMessage): void {
    this.messageEmitter.fire(message as CapabilityMessage<FromWorker>);
  }

  /** @internal */
  fail(error: CapabilityError): void {
    this.errorEmitter.fire(error);
  }

  /** @internal */
  workerEnded(end: CapabilityWorkerEnd): void {
    this.endEmitter.fire(end);
  }
}
