// The device side of the adb transport protocol, enough for an adb server to attach a simulated
// device over TCP, list it with its banner, run `getprop` on it (adbkit and adb CLI shell v2), and
// stream a known byte pattern as fast as adb carries it (`sim-stream`, for the stream tests and
// benchmarks): one WRTE at a time, the next only after the server's OKAY, as adbd does. `sleep N`
// writes nothing for N seconds, then ends.

import { randomBytes } from 'node:crypto';
import * as net from 'node:net';

import { DEVICE_MAX_PAYLOAD, GetpropCounter } from './builtinServices';
import { SIM_CAPABILITIES } from './capabilities';
import { ShellInvocation, SimDeviceContext, SimStream, WAIT } from './simService';

export const COMMAND = {
  CNXN: 0x4e584e43,
  AUTH: 0x48545541,
  OPEN: 0x4e45504f,
  OKAY: 0x59414b4f,
  CLSE: 0x45534c43,
  WRTE: 0x45545257,
} as const;

const HEADER_LENGTH = 24;
const PROTOCOL_VERSION = 0x01000001;
/** Refuse absurd lengths rather than buffer forever on a corrupt stream. */
const MAX_ACCEPTED_PAYLOAD = 16 * 1024 * 1024;

const AUTH_TOKEN = 1;
const AUTH_SIGNATURE = 2;
const AUTH_TOKEN_LENGTH = 20;

const SHELL_V2_STDIN = 0;
const SHELL_V2_STDOUT = 1;
const SHELL_V2_STDERR = 2;
const SHELL_V2_EXIT = 3;
/** The host closed stdin (adb's ShellProtocol kIdCloseStdin). */
const SHELL_V2_CLOSE_STDIN = 4;
const SHELL_V2_HEADER_LENGTH = 5;

/** adbd stops filling `data_check` from this protocol version on (A_VERSION_SKIP_CHECKSUM). */
const VERSION_SKIP_CHECKSUM = 0x01000001;

export type SimDeviceState =
  | 'device'
  | 'unauthorized'
  | 'offline'
  | 'recovery'
  | 'sideload'
  | 'bootloader'
  | 'rescue';

export interface AdbMessage {
  command: number;
  arg0: number;
  arg1: number;
  data: Buffer;
}

/** The 24-byte header of a message carrying `data`; `checksum` false sends 0, as adbd does past VERSION_SKIP_CHECKSUM. */
function encodeHeader(command: number, arg0: number, arg1: number, data: Buffer, checksum: boolean): Buffer {
  const header = Buffer.alloc(HEADER_LENGTH);
  let check = 0;
  if (checksum) for (const byte of data) check = (check + byte) >>> 0;
  header.writeUInt32LE(command, 0);
  header.writeUInt32LE(arg0 >>> 0, 4);
  header.writeUInt32LE(arg1 >>> 0, 8);
  header.writeUInt32LE(data.length, 12);
  header.writeUInt32LE(check, 16);
  header.writeUInt32LE((command ^ 0xffffffff) >>> 0, 20);
  return header;
}

/** Splits a byte stream into messages; throws on a bad magic or an absurd length. */
export class MessageReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): AdbMessage[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: AdbMessage[] = [];
    while (this.pending.length >= HEADER_LENGTH) {
      const command = this.pending.readUInt32LE(0);
      const magic = this.pending.readUInt32LE(20);
      if (((command ^ 0xffffffff) >>> 0) !== magic) throw new Error(`bad magic for command 0x${command.toString(16)}`);
      const length = this.pending.readUInt32LE(12);
      if (length > MAX_ACCEPTED_PAYLOAD) throw new Error(`payload too long: ${length}`);
      if (this.pending.length < HEADER_LENGTH + length) break;
      messages.push({
        command,
        arg0: this.pending.readUInt32LE(4),
        arg1: this.pending.readUInt32LE(8),
        data: this.pending.subarray(HEADER_LENGTH, HEADER_LENGTH + length),
      });
      this.pending = this.pending.subarray(HEADER_LENGTH + length);
    }
    return messages;
  }
}

/**
 * `shell:CMD` (raw), `shell,v2,OPTIONS:CMD`, or `exec:CMD` (raw, no pty: what adbd runs for
 * `adb exec-out`); anything else is not a shell request.
 */
export function parseShellService(service: string): ShellInvocation | undefined {
  const colon = service.indexOf(':');
  if (colon < 0) return undefined;
  const [name, ...options] = service.slice(0, colon).split(',');
  const command = service.slice(colon + 1);
  const argv = command.trim().split(/\s+/).filter((word) => word.length > 0);
  if (name === 'exec' && options.length === 0) return { kind: 'exec', command, argv };
  if (name !== 'shell') return undefined;
  return { kind: options.includes('v2') ? 'shell-v2' : 'shell', command, argv };
}

function shellV2Packet(id: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(SHELL_V2_HEADER_LENGTH);
  header.writeUInt8(id, 0);
  header.writeUInt32LE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

/** A command's output as shell v2 packets (stderr and stdout, each within one payload), then its exit packet. */
function shellV2Stream(raw: SimStream): SimStream {
  let exited = false;
  let pendingInput: Buffer = Buffer.alloc(0);
  return {
    get startAfterMs() {
      return raw.startAfterMs;
    },
    set wake(wake: (() => void) | undefined) {
      raw.wake = wake;
    },
    next(maxBytes) {
      const room = maxBytes - SHELL_V2_HEADER_LENGTH;
      const stderr = raw.nextStderr?.(room);
      if (stderr) return shellV2Packet(SHELL_V2_STDERR, stderr);
      const data = raw.next(room);
      if (data === WAIT) return WAIT;
      if (data) return shellV2Packet(SHELL_V2_STDOUT, data);
      if (exited) return undefined;
      exited = true;
      return shellV2Packet(SHELL_V2_EXIT, Buffer.from([raw.exitCode?.() ?? 0]));
    },
    onInput(data) {
      pendingInput = pendingInput.length === 0 ? data : Buffer.concat([pendingInput, data]);
      while (pendingInput.length >= SHELL_V2_HEADER_LENGTH) {
        const length = pendingInput.readUInt32LE(1);
        if (pendingInput.length < SHELL_V2_HEADER_LENGTH + length) break;
        const id = pendingInput.readUInt8(0);
        const payload = pendingInput.subarray(SHELL_V2_HEADER_LENGTH, SHELL_V2_HEADER_LENGTH + length);
        pendingInput = pendingInput.subarray(SHELL_V2_HEADER_LENGTH + length);
        if (id === SHELL_V2_STDIN) raw.onInput?.(payload);
        else if (id === SHELL_V2_CLOSE_STDIN) raw.onInputEnd?.();
      }
    },
    onClose: () => raw.onClose?.(),
  };
}

/** A raw shell has one output: what the command wrote to stderr comes in the same stream. */
function mergedStream(raw: SimStream): SimStream {
  if (!raw.nextStderr) return raw;
  const nextStderr = raw.nextStderr.bind(raw);
  const next = raw.next.bind(raw);
  raw.next = (maxBytes) => nextStderr(maxBytes) ?? next(maxBytes);
  return raw;
}

/** One stream the device opened in answer to an OPEN: writes wait for OKAY, then CLSE. */
class OutgoingStream {
  private awaitingOkay = false;
  private waiting = false;
  private done = false;
  private delay?: NodeJS.Timeout;

  constructor(
    private readonly send: (command: number, arg0: number, arg1: number, data?: Buffer) => void,
    readonly deviceId: number,
    readonly serverId: number,
    private readonly source: SimStream,
    private readonly maxPayload: number,
    private readonly onDone: () => void,
  ) {
    source.wake = () => {
      if (!this.waiting || this.done) return;
      this.waiting = false;
      // Not inside the service's own call: it may write several times before the stream drains.
      setImmediate(() => this.sendNext());
    };
  }

  start(): void {
    this.send(COMMAND.OKAY, this.deviceId, this.serverId);
    if (this.source.startAfterMs === undefined) {
      this.sendNext();
    } else {
      this.delay = setTimeout(() => this.sendNext(), this.source.startAfterMs);
    }
  }

  /** The server closed it (CLSE) or the connection went: nothing more is written. */
  abandon(): void {
    clearTimeout(this.delay);
    this.awaitingOkay = false;
    if (this.done) return;
    this.done = true;
    this.source.onClose?.();
  }

  onOkay(): void {
    if (!this.awaitingOkay) return;
    this.awaitingOkay = false;
    this.sendNext();
  }

  onInput(data: Buffer): void {
    if (!this.done) this.source.onInput?.(data);
  }

  private sendNext(): void {
    if (this.done || this.awaitingOkay) return;
    const chunk = this.source.next(this.maxPayload);
    if (chunk === WAIT) {
      this.waiting = true;
      return;
    }
    if (chunk) {
      this.awaitingOkay = true;
      this.send(COMMAND.WRTE, this.deviceId, this.serverId, chunk);
      return;
    }
    this.done = true;
    this.send(COMMAND.CLSE, this.deviceId, this.serverId);
    this.source.onClose?.();
    this.onDone();
  }
}

type ConnectionPhase = 'awaiting-cnxn' | 'awaiting-auth' | 'online' | 'silent';

/** One TCP connection from the adb server. Its presented state is fixed when it is accepted. */
class DeviceConnection {
  private phase: ConnectionPhase;
  private readonly reader = new MessageReader();
  private readonly streams = new Map<number, OutgoingStream>();
  private nextStreamId = 1;
  private maxPayload = DEVICE_MAX_PAYLOAD;
  private checksums = true;

  constructor(
    private readonly socket: net.Socket,
    private readonly presentedState: SimDeviceState,
    private readonly device: SimulatedDevice,
  ) {
    this.phase = presentedState === 'offline' ? 'silent' : 'awaiting-cnxn';
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', () => socket.destroy());
  }

  /** The user tapped "Allow": a device answers the pending handshake with CNXN. */
  authorize(): void {
    if (this.phase !== 'awaiting-auth') return;
    this.sendConnect('device');
  }

  /** Streams the device has open on this connection (a service not yet closed by either side). */
  get openStreams(): number {
    return this.streams.size;
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** The connection is gone: its streams write no more. */
  closed(): void {
    for (const stream of this.streams.values()) stream.abandon();
    this.streams.clear();
  }

  private onData(chunk: Buffer): void {
    if (this.phase === 'silent') return;
    let messages: AdbMessage[];
    try {
      messages = this.reader.push(chunk);
    } catch {
      this.socket.destroy();
      return;
    }
    for (const message of messages) this.onMessage(message);
  }

  private onMessage(message: AdbMessage): void {
    switch (message.command) {
      case COMMAND.CNXN:
        this.maxPayload = Math.min(DEVICE_MAX_PAYLOAD, message.arg1 || DEVICE_MAX_PAYLOAD);
        this.checksums = message.arg0 < VERSION_SKIP_CHECKSUM;
        if (this.presentedState === 'unauthorized') {
          this.phase = 'awaiting-auth';
          this.sendAuthToken();
        } else {
          this.sendConnect(this.presentedState);
        }
        return;
      case COMMAND.AUTH:
        // Reject every signature with a new token; the server then offers its public key
        // (AUTH_RSAPUBLICKEY), and the device waits for authorize(), as for a user's tap.
        if (this.phase === 'awaiting-auth' && message.arg0 === AUTH_SIGNATURE) this.sendAuthToken();
        return;
      case COMMAND.OPEN:
        if (this.phase === 'online') this.onOpen(message.arg0, message.data);
        return;
      case COMMAND.OKAY:
        this.streams.get(message.arg1)?.onOkay();
        return;
      case COMMAND.WRTE: {
        const stream = this.streams.get(message.arg1);
        if (!stream) return;
        this.send(COMMAND.OKAY, message.arg1, message.arg0);
        stream.onInput(message.data);
        return;
      }
      case COMMAND.CLSE:
        this.streams.get(message.arg1)?.abandon();
        this.streams.delete(message.arg1);
        return;
      default:
        this.socket.destroy();
    }
  }

  private sendAuthToken(): void {
    this.send(COMMAND.AUTH, AUTH_TOKEN, 0, randomBytes(AUTH_TOKEN_LENGTH));
  }

  private sendConnect(bannerState: SimDeviceState): void {
    this.phase = 'online';
    // No trailing NUL: adb would keep it in the last banner field (a model listed last gains a `_`).
    this.send(COMMAND.CNXN, PROTOCOL_VERSION, DEVICE_MAX_PAYLOAD, Buffer.from(this.device.banner(bannerState)));
  }

  private onOpen(serverId: number, rawService: Buffer): void {
    const service = rawService.toString('utf8').replace(/\0+$/, '');
    if (this.device.powerOff(service)) {
      // As `reboot -p` on a device: the stream opens, nothing comes back, the device goes away.
      this.send(COMMAND.OKAY, this.nextStreamId++, serverId);
      return;
    }
    const output = this.device.runService(service);
    if (output === undefined) {
      this.send(COMMAND.CLSE, 0, serverId);
      return;
    }
    const deviceId = this.nextStreamId++;
    const stream = new OutgoingStream(
      (command, arg0, arg1, data) => this.send(command, arg0, arg1, data),
      deviceId,
      serverId,
      output,
      this.maxPayload,
      () => this.streams.delete(deviceId),
    );
    this.streams.set(deviceId, stream);
    stream.start();
  }

  private send(command: number, arg0: number, arg1: number, data: Buffer = Buffer.alloc(0)): void {
    if (this.socket.destroyed) return;
    if (command === COMMAND.WRTE) this.device.countWritten(data.length);
    // Header and payload in one writev, without copying a 256 KiB payload into a new buffer.
    this.socket.cork();
    this.socket.write(encodeHeader(command, arg0, arg1, data, this.checksums));
    if (data.length > 0) this.socket.write(data);
    this.socket.uncork();
  }
}

export interface SimulatedDeviceOptions {
  state: SimDeviceState;
  properties: Record<string, string>;
  product: string;
  model: string;
  device: string;
  /** What `reboot -p` does (an emulator ends); without it the device does not know the command. */
  onPowerOff?: () => void;
}

/** One simulated device: a TCP listener on 127.0.0.1 that speaks the device side of adb. */
export class SimulatedDevice implements SimDeviceContext {
  private server: net.Server | undefined;
  private readonly connections = new Set<DeviceConnection>();
  private state: SimDeviceState;
  private readonly capabilityState = new Map<string, unknown>();
  private writtenBytes = 0;
  private boundPort = 0;

  constructor(private readonly options: SimulatedDeviceOptions) {
    this.state = options.state;
  }

  get properties(): Readonly<Record<string, string>> {
    return this.options.properties;
  }

  stateOf<T>(key: string, create: () => T): T {
    if (!this.capabilityState.has(key)) this.capabilityState.set(key, create());
    return this.capabilityState.get(key) as T;
  }

  get getpropCount(): number {
    return this.stateOf<GetpropCounter>('getprop', () => ({ count: 0 })).count;
  }

  /** A capability's test control (what a test does to the device: a log line, a file, an app). */
  control(capability: string, action: string, payload: unknown): unknown {
    const handler = SIM_CAPABILITIES.find((candidate) => candidate.name === capability)?.control;
    if (!handler) throw new Error(`the simulated device has no control for ${capability}`);
    return handler(action, payload, this);
  }

  /** Payload bytes of every WRTE the device sent, on every connection (how far a stream got). */
  get bytesWritten(): number {
    return this.writtenBytes;
  }

  countWritten(bytes: number): void {
    this.writtenBytes += bytes;
  }

  /** Services open on the device now, over all its connections. */
  get openStreams(): number {
    let open = 0;
    for (const connection of this.connections) open += connection.openStreams;
    return open;
  }

  /** Listens on `port` (0 picks a free one); after an unplug, listens again on the same port. */
  async listen(port = this.boundPort): Promise<number> {
    if (this.server) return this.boundPort;
    const server = net.createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: '127.0.0.1' }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.boundPort = (server.address() as net.AddressInfo).port;
    return this.boundPort;
  }

  /** Applies to the next connection; open connections keep presenting what they presented. */
  setState(state: SimDeviceState): void {
    this.state = state;
  }

  /** The user tapped "Allow": pending AUTH handshakes get CNXN, and later connections too. */
  authorize(): void {
    if (this.state === 'unauthorized') this.state = 'device';
    for (const connection of this.connections) connection.authorize();
  }

  /** Closes the listener and every open connection, as when a cable is pulled. */
  async unplug(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const connection of this.connections) connection.destroy();
    this.connections.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  banner(state: SimDeviceState): string {
    const { product, model, device } = this.options;
    const features = ['shell_v2', 'cmd', ...SIM_CAPABILITIES.flatMap((capability) => capability.features ?? [])];
    return `${state}::ro.product.name=${product};ro.product.model=${model};ro.product.device=${device};features=${features.join(',')}`;
  }

  /** A shell `reboot -p`, when the device can power off: starts it and says so. */
  powerOff(service: string): boolean {
    const onPowerOff = this.options.onPowerOff;
    if (!onPowerOff || !/^reboot\s+-p$/.test(parseShellService(service)?.command.trim() ?? '')) return false;
    setImmediate(onPowerOff);
    return true;
  }

  /** A service's stream, or undefined when the device does not offer it. */
  runService(service: string): SimStream | undefined {
    const shell = parseShellService(service);
    if (shell) {
      const word = shell.argv[0] ?? '';
      for (const capability of SIM_CAPABILITIES) {
        const handler = capability.shellCommands?.[word];
        const stream = handler && Object.hasOwn(capability.shellCommands!, word) ? handler(shell, this) : undefined;
        if (stream) return shell.kind === 'shell-v2' ? shellV2Stream(stream) : mergedStream(stream);
      }
      return undefined;
    }
    const colon = service.indexOf(':');
    const name = colon < 0 ? service : service.slice(0, colon);
    for (const capability of SIM_CAPABILITIES) {
      const handler = capability.services?.[name];
      if (handler && Object.hasOwn(capability.services!, name)) return handler(colon < 0 ? '' : service.slice(colon + 1), this);
    }
    return undefined;
  }

  private accept(socket: net.Socket): void {
    const connection = new DeviceConnection(socket, this.state, this);
    this.connections.add(connection);
    socket.on('close', () => {
      connection.closed();
      this.connections.delete(connection);
    });
  }
}
