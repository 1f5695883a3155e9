// What a simulated device's service is, and how a capability adds services to the simulated
// device: shell commands by their first word, other services (`sync:`) by name, and a control
// channel tests reach through the lab (`SimulatedLab.control`). Each capability's device side is
// one module listed in ./capabilities.ts, so adding one never edits the transport.

/** `next` has nothing now; the stream waits for `wake()`. */
export const WAIT = Symbol('wait');

/** One open service on the device: output pulled one WRTE at a time, input pushed as it comes. */
export interface SimStream {
  /** At most `maxBytes` of output; undefined at the end; WAIT until `wake` is called. */
  next(maxBytes: number): Buffer | undefined | typeof WAIT;
  /** Writes nothing for this long first (`sleep`). */
  startAfterMs?: number;
  /** Bytes the server wrote to the service: stdin, or a `sync:` request. */
  onInput?(data: Buffer): void;
  /** Shell v2 only: the host closed stdin. */
  onInputEnd?(): void;
  /** The server closed the stream (CLSE) or its connection went. */
  onClose?(): void;
  /** Set by the transport when it opens the stream. */
  wake?: () => void;
  /** Shell v2: the exit status sent after the output (default 0). */
  exitCode?(): number;
  /** Shell v2: output the command wrote to stderr (a raw shell merges it into stdout). */
  nextStderr?(maxBytes: number): Buffer | undefined;
}

/** A fixed output, then the end. */
export function bufferStream(output: Buffer | string, exitCode = 0): SimStream {
  let rest = typeof output === 'string' ? Buffer.from(output, 'utf8') : output;
  return {
    next(maxBytes) {
      if (rest.length === 0) return undefined;
      const chunk = rest.subarray(0, maxBytes);
      rest = rest.subarray(chunk.length);
      return chunk;
    },
    exitCode: () => exitCode,
  };
}

/** Output written as the service goes (a log, a reply to input), ended once. */
export class PushStream implements SimStream {
  private readonly queue: Buffer[] = [];
  private readonly errQueue: Buffer[] = [];
  private ended = false;
  private status = 0;
  private closed = false;
  wake?: () => void;
  onInput?(data: Buffer): void;
  onInputEnd?(): void;
  /** Called once when the server closes the stream or the connection goes. */
  onClosed?: () => void;

  /** Bytes queued and not yet taken by the transport (how far behind the reader is). */
  get queuedBytes(): number {
    return this.queue.reduce((sum, chunk) => sum + chunk.length, 0);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  write(data: Buffer | string, to: 'stdout' | 'stderr' = 'stdout'): void {
    if (this.ended || this.closed) return;
    const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (chunk.length === 0) return;
    (to === 'stderr' ? this.errQueue : this.queue).push(chunk);
    this.wake?.();
  }

  end(exitCode = 0): void {
    if (this.ended) return;
    this.ended = true;
    this.status = exitCode;
    this.wake?.();
  }

  next(maxBytes: number): Buffer | undefined | typeof WAIT {
    const chunk = take(this.queue, maxBytes);
    if (chunk) return chunk;
    return this.ended ? undefined : WAIT;
  }

  nextStderr(maxBytes: number): Buffer | undefined {
    return take(this.errQueue, maxBytes);
  }

  exitCode(): number {
    return this.status;
  }

  onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClosed?.();
  }
}

function take(queue: Buffer[], maxBytes: number): Buffer | undefined {
  const head = queue[0];
  if (!head) return undefined;
  if (head.length <= maxBytes) {
    queue.shift();
    return head;
  }
  queue[0] = head.subarray(maxBytes);
  return head.subarray(0, maxBytes);
}

/** What a service may know of the device it runs on. */
export interface SimDeviceContext {
  readonly properties: Readonly<Record<string, string>>;
  /** A capability's state on this device, made on first use; it outlives unplug and replug. */
  stateOf<T>(key: string, create: () => T): T;
}

export interface ShellInvocation {
  /** The command as the host sent it. */
  command: string;
  /** The command split at blanks (the simulated shell has no quoting). */
  argv: string[];
  /** `exec:` (raw, no pty, as `adb exec-out`), `shell:` raw, or shell v2. */
  kind: 'exec' | 'shell' | 'shell-v2';
}

export interface SimCapability {
  name: string;
  /** Feature flags the device announces in its CNXN banner for what this capability implements. */
  features?: readonly string[];
  /** Shell commands by their first word (also reached through `exec:`). */
  shellCommands?: Record<string, (call: ShellInvocation, device: SimDeviceContext) => SimStream | undefined>;
  /** Other services by the name before their first `:` (`sync`). */
  services?: Record<string, (argument: string, device: SimDeviceContext) => SimStream | undefined>;
  /** Driven by tests through the lab: `lab.control(port, name, action, payload)`. */
  control?(action: string, payload: unknown, device: SimDeviceContext): unknown;
}
