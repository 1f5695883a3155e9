// Capabilities' worker parts: each registers at worker start (workerMain.ts passes the list) and
// gets the host's messages for its name, the worker's DeviceServices to run device services off
// the host thread, and a typed post back. Like the host's device jobs, a capability's work ends
// before the worker says paused or stopped (endAll); kill and crash end it on the host side.
// A capability never blocks the event loop: heavy parsing goes in slices.

import { DeviceServices } from '../core/adb/deviceServices';
import { LogLevel } from '../core/types';
import { CapabilityMessage } from './capabilityProtocol';
import { WorkerMessage } from './protocol';

export type { CapabilityMessage } from './capabilityProtocol';

export interface WorkerCapabilityContext<FromWorker = unknown> {
  /** Device services (requests and streams) in this worker; refused while paused. */
  readonly services: DeviceServices;
  /** A message to the capability's host channel (`transfer`: ArrayBuffers in it to move, not copy). */
  post(payload: FromWorker, options?: { id?: number; transfer?: ArrayBuffer[] }): void;
  log(level: LogLevel, message: string): void;
}

/**
 * A capability's worker part. `handle` gets each host message for its name; the payload came
 * through structured clone from the host, so a careful part checks its shape. `endAll` ends all
 * its work now (synchronously, saying so to its host part with `post` if it wants): the worker
 * says paused or stopped right after.
 */
export interface WorkerCapability<ToWorker = unknown, FromWorker = unknown> {
  readonly name: string;
  handle(message: CapabilityMessage<ToWorker>, context: WorkerCapabilityContext<FromWorker>): void | Promise<void>;
  endAll(reason: 'paused' | 'stopped', context: WorkerCapabilityContext<FromWorker>): void;
}

type Post = (message: WorkerMessage, transfer?: ArrayBuffer[]) => void;

/** The registry: routes the host's `capability` messages by name, answers what it cannot route with `capability-error`. */
export class WorkerCapabilities {
  private readonly byName = new Map<string, { capability: WorkerCapability; context: WorkerCapabilityContext }>();
  private refusing?: 'paused' | 'stopped';

  constructor(
    capabilities: readonly WorkerCapability[],
    services: DeviceServices,
    private readonly post: Post,
  ) {
    for (const capability of capabilities) {
      if (this.byName.has(capability.name)) throw new Error(`two worker capabilities named '${capability.name}'`);
      const { name } = capability;
      this.byName.set(name, {
        capability,
        context: {
          services,
          post: (payload, options = {}) => post({ type: 'capability', name, id: options.id, payload }, options.transfer),
          log: (level, message) => post({ type: 'log', level, message: `${name}: ${message}` }),
        },
      });
    }
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  handle(message: { name: string } & CapabilityMessage): void {
    const { name, id } = message;
    const entry = typeof name === 'string' ? this.byName.get(name) : undefined;
    if (!entry) {
      const known = this.names.length > 0 ? this.names.map((known) => `'${known}'`).join(', ') : 'none';
      this.error(name, id, `no worker capability named ${JSON.stringify(name)} (this worker has: ${known})`);
      return;
    }
    if (this.refusing) {
      this.error(name, id, `the device watcher ${this.refusing}; '${name}' takes no work until it resumes`);
      return;
    }
    try {
      const done = entry.capability.handle({ id, payload: message.payload }, entry.context);
      if (done instanceof Promise) done.catch((error: unknown) => this.failed(name, id, error));
    } catch (error) {
      this.failed(name, id, error);
    }
  }

  /** The watcher pauses or stops: every capability ends its work now, before the worker says so. */
  endAll(reason: 'paused' | 'stopped'): void {
    this.refusing = reason;
    for (const [name, { capability, context }] of this.byName) {
      try {
        capability.endAll(reason, context);
      } catch (error) {
        this.post({ type: 'log', level: 'error', message: `worker capability '${name}' failed to end its work: ${describe(error)}` });
      }
    }
  }

  /** The watcher resumed: messages are handed on again. */
  accept(): void {
    this.refusing = undefined;
  }

  private failed(name: string, id: number | undefined, error: unknown): void {
    this.error(name, id, `worker capability '${name}' failed: ${describe(error)}`);
  }

  private error(name: string, id: number | undefined, message: string): void {
    this.post({ type: 'capability-error', name: String(name), id, message });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
