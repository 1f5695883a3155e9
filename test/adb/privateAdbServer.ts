// A real adb server of our own, on a free port with its own HOME, for tests, benchmarks and demos.
// It never touches an adb server it did not start: it refuses a port that already answers.

import { execFile } from 'node:child_process';
import { promises as fs, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const ADB_BIN = 'adb';
const LOOPBACK = '127.0.0.1';
const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;
const ADB_COMMAND_TIMEOUT_MS = 20_000;
const PORT_RELEASE_TIMEOUT_MS = 5_000;
const POLL_INTERVAL_MS = 20;

/** Variables that would point adb at another server, serial or key store than ours. */
const INHERITED_ADB_VARIABLES = [
  'ANDROID_ADB_SERVER_PORT',
  'ANDROID_ADB_SERVER_ADDRESS',
  'ADB_SERVER_SOCKET',
  'ANDROID_SERIAL',
  'ANDROID_SDK_HOME',
  'ANDROID_USER_HOME',
  'ADB_VENDOR_KEYS',
  'ADB_LOCAL_TRANSPORT_MAX_PORT',
];

export async function adbAvailable(): Promise<boolean> {
  try {
    await execFileAsync(ADB_BIN, ['version'], { timeout: ADB_COMMAND_TIMEOUT_MS });
    return true;
  } catch {
    return false;
  }
}

export interface HostRequestOptions {
  host?: string;
  timeoutMs?: number;
}

/** One TCP conversation with an adb server, read as a byte stream with awaitable reads. */
class HostConnection {
  private buffered: Buffer = Buffer.alloc(0);
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly socket: net.Socket,
    readonly label: string,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.notify();
    });
    socket.on('end', () => this.finish());
    socket.on('close', () => this.finish());
    socket.on('error', (error) => this.fail(new Error(`adb server ${label}: ${error.message}`)));
  }

  fail(error: Error): void {
    this.failure ??= error;
    this.socket.destroy();
    this.notify();
  }

  destroy(): void {
    this.socket.destroy();
  }

  send(request: string): void {
    const body = Buffer.from(request, 'utf8');
    this.socket.write(Buffer.concat([Buffer.from(body.length.toString(16).padStart(4, '0'), 'latin1'), body]));
  }

  /** Reads OKAY, or turns FAIL and its message into an error. */
  async expectOkay(request: string): Promise<void> {
    const status = (await this.read(4)).toString('latin1');
    if (status === 'OKAY') return;
    if (status === 'FAIL') throw new Error(`adb server ${this.label}: ${request} failed: ${await this.readReply()}`);
    const seen = status.length === 0 ? 'the connection closed' : `unexpected reply ${JSON.stringify(status)}`;
    throw new Error(`adb server ${this.label}: ${seen} to ${request}`);
  }

  /** A length-prefixed reply (most services), or everything until close (e.g. `host:kill`). */
  async readReply(): Promise<string> {
    const prefix = await this.read(4);
    if (prefix.length === 4 && /^[0-9a-fA-F]{4}$/.test(prefix.toString('latin1'))) {
      return (await this.read(parseInt(prefix.toString('latin1'), 16))).toString('utf8');
    }
    return Buffer.concat([prefix, await this.readToEnd()]).toString('utf8');
  }

  async readToEnd(): Promise<Buffer> {
    await this.waitUntil(() => this.ended);
    return this.take(this.buffered.length);
  }

  /** `length` bytes, or fewer when the server closes first. */
  private async read(length: number): Promise<Buffer> {
    await this.waitUntil(() => this.ended || this.buffered.length >= length);
    return this.take(Math.min(length, this.buffered.length));
  }

  private take(length: number): Buffer {
    const taken = this.buffered.subarray(0, length);
    this.buffered = this.buffered.subarray(length);
    return taken;
  }

  private async waitUntil(ready: () => boolean): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (ready()) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private finish(): void {
    this.ended = true;
    this.notify();
  }
}

/** Opens a connection, runs one conversation on it under a deadline, and always closes it. */
async function converse<T>(
  port: number,
  options: HostRequestOptions,
  topic: string,
  conversation: (connection: HostConnection) => Promise<T>,
): Promise<T> {
  const { host = LOOPBACK, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS } = options;
  const connection = new HostConnection(net.connect({ host, port }), `${host}:${port}`);
  const timer = setTimeout(
    () => connection.fail(new Error(`adb server ${host}:${port}: no answer to ${topic} after ${timeoutMs} ms`)),
    timeoutMs,
  );
  try {
    return await conversation(connection);
  } finally {
    clearTimeout(timer);
    connection.destroy();
  }
}

/** One host-protocol request: `XXXXservice`, OKAY or FAIL, then the reply. */
export function adbHostRequest(port: number, service: string, options: HostRequestOptions = {}): Promise<string> {
  return converse(port, options, service, async (connection) => {
    connection.send(service);
    await connection.expectOkay(service);
    return connection.readReply();
  });
}

/** A raw (non-v2) shell command as adbkit runs it: `host:transport:SERIAL`, `shell:CMD`, output until close. */
export function adbRawShell(port: number, serial: string, command: string, options: HostRequestOptions = {}): Promise<string> {
  return converse(port, options, `shell:${command} on ${serial}`, async (connection) => {
    const transport = `host:transport:${serial}`;
    connection.send(transport);
    await connection.expectOkay(transport);
    const shell = `shell:${command}`;
    connection.send(shell);
    await connection.expectOkay(shell);
    return (await connection.readToEnd()).toString('utf8');
  });
}

export interface AdbDeviceLine {
  serial: string;
  state: string;
  /** `key:value` fields such as product, model, device, transport_id. */
  fields: Record<string, string>;
}

/**
 * Parses `host:devices-l`: `SERIAL  STATE key:value ...`. The state is every word before the
 * first `key:value`, as it may hold spaces ("no permissions (...); see [http://...]").
 */
export function parseDevicesLong(text: string): AdbDeviceLine[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [serial, ...words] = line.trim().split(/\s+/);
      const firstField = words.findIndex((word) => /^[a-z_]+:/.test(word));
      const stateWords = firstField < 0 ? words : words.slice(0, firstField);
      const fields: Record<string, string> = {};
      for (const word of firstField < 0 ? [] : words.slice(firstField)) {
        const colon = word.indexOf(':');
        if (colon > 0) fields[word.slice(0, colon)] = word.slice(colon + 1);
      }
      return { serial, state: stateWords.join(' '), fields };
    });
}

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

  async devices(): Promise<AdbDeviceLine[]> {
    return parseDevicesLong(await this.hostRequest('host:devices-l'));
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
    const wanted = typeof states === 'string' ? [states] : states;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const listed = await this.devices();
      const seen = serials.map((serial) => listed.find((line) => line.serial === serial)?.state ?? GONE);
      if (seen.every((state) => wanted.includes(state))) return seen;
      if (Date.now() >= deadline) {
        const late = serials.map((serial, i) => `${serial} ${seen[i]}`).filter((_, i) => !wanted.includes(seen[i]));
        throw new Error(`still ${late.join(', ')} after ${timeoutMs} ms, expected ${wanted.join(' or ')}`);
      }
      await delay(POLL_INTERVAL_MS);
    }
  }

  /** Runs a raw (non-v2) shell command as adbkit does: `host:transport:SERIAL`, then `shell:CMD`. */
  shell(serial: string, command: string, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Promise<string> {
    return adbRawShell(this.port, serial, command, { timeoutMs });
  }
}

/**
 * Servers this process started and has not killed, by pid. If the process exits without
 * stopping them (process.exit, a crash), they are killed on the way out rather than left idling.
 * A death by signal runs no exit hook: those servers stay, findable by their `adb-home-` HOME.
 */
const serversToKillOnExit = new Map<PrivateAdbServer, number>();
let exitHookInstalled = false;

function killServersLeftAtExit(): void {
  for (const [server, pid] of serversToKillOnExit) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
    rmSync(server.home, { recursive: true, force: true });
  }
}

/** The pid the server wrote at start-up into its own log (one log per server: TMPDIR is its HOME). */
async function readServerPid(home: string): Promise<number | undefined> {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  try {
    const log = await fs.readFile(path.join(home, `adb.${uid}.log`), 'utf8');
    const starts = [...log.matchAll(/--- adb starting \(pid (\d+)\) ---/g)];
    return starts.length > 0 ? Number(starts[starts.length - 1][1]) : undefined;
  } catch {
    return undefined;
  }
}

/** A real adb server of our own: free port, own HOME, no emulator scan, USB or mDNS. */
export class PrivateAdbServer extends AdbHostClient {
  readonly env: NodeJS.ProcessEnv;
  private stopping: Promise<void> | undefined;

  private constructor(
    port: number,
    readonly home: string,
  ) {
    super(port);
    this.env = serverEnvironment(port, home);
  }

  static async start(options: { port?: number } = {}): Promise<PrivateAdbServer> {
    const port = options.port ?? (await findFreePort());
    const home = await fs.mkdtemp(path.join(os.tmpdir(), 'adb-home-'));
    const server = new PrivateAdbServer(port, home);
    try {
      await server.startServer();
    } catch (error) {
      await fs.rm(home, { recursive: true, force: true });
      throw error;
    }
    return server;
  }

  /** Runs the adb CLI against this server only. */
  runAdb(args: readonly string[], timeoutMs = ADB_COMMAND_TIMEOUT_MS): Promise<{ stdout: string; stderr: string }> {
    return execFileAsync(ADB_BIN, ['-P', String(this.port), ...args], { env: this.env, timeout: timeoutMs });
  }

  /** `adb kill-server`, then waits until the port refuses connections. */
  async kill(): Promise<void> {
    if (await portAnswers(this.port)) {
      try {
        await this.runAdb(['kill-server']);
      } catch {
        // Already dying, or gone: the wait below is what counts.
      }
      const deadline = Date.now() + PORT_RELEASE_TIMEOUT_MS;
      while (await portAnswers(this.port)) {
        if (Date.now() >= deadline) throw new Error(`adb server on port ${this.port} still answers after kill-server`);
        await delay(POLL_INTERVAL_MS);
      }
    }
    serversToKillOnExit.delete(this);
  }

  /** Kill, then start again on the same port and HOME (the server forgets its TCP devices). */
  async restart(): Promise<void> {
    if (this.stopping) throw new Error('adb server was stopped');
    await this.kill();
    await this.startServer();
  }

  /** Kills the server and removes its HOME. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      try {
        await this.kill();
      } finally {
        await fs.rm(this.home, { recursive: true, force: true });
      }
    })();
    return this.stopping;
  }

  private async startServer(): Promise<void> {
    if (await portAnswers(this.port)) {
      throw new Error(`port ${this.port} already answers: refusing to use an adb server this harness did not start`);
    }
    await this.runAdb(['start-server']);
    const pid = await readServerPid(this.home);
    if (pid === undefined) return;
    if (!exitHookInstalled) process.once('exit', killServersLeftAtExit);
    exitHookInstalled = true;
    serversToKillOnExit.set(this, pid);
  }
}

function tcpSerial(devicePort: number): string {
  return `${LOOPBACK}:${devicePort}`;
}

function serverEnvironment(port: number, home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of INHERITED_ADB_VARIABLES) delete env[name];
  return {
    ...env,
    HOME: home,
    // adb logs to $TMPDIR/adb.$UID.log: one log per server, removed with it, not one shared file.
    TMPDIR: home,
    ANDROID_ADB_SERVER_PORT: String(port),
    // No emulator port scan, no USB, no mDNS: the server sees only what a test connects.
    ADB_EMU: '0',
    ADB_USB: '0',
    ADB_MDNS: '0',
  };
}

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host: LOOPBACK }, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on the port. */
function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: LOOPBACK, port });
    const settle = (answers: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answers);
    };
    // A connect on loopback is refused at once; only a wedged machine would reach this.
    const timer = setTimeout(() => settle(true), 2_000);
    socket.once('connect', () => settle(true));
    socket.once('error', () => settle(false));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
