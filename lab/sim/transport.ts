// The device side of the adb transport protocol, enough for an adb server to attach a simulated
// device over TCP, list it with its banner, run `getprop` on it (adbkit and adb CLI shell v2), and
// stream a known byte pattern as fast as adb carries it (`sim-stream`, for the stream tests and
// benchmarks): one WRTE at a time, the next only after the server's OKAY, as adbd does. `sleep N`
// writes nothing for N seconds, then ends.

import { randomBytes } from 'node:crypto';
import * as net from 'node:net';

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
const DEVICE_MAX_PAYLOAD = 256 * 1024;
/** Refuse absurd lengths rather than buffer forever on a corrupt stream. */
const MAX_ACCEPTED_PAYLOAD = 16 * 1024 * 1024;

const AUTH_TOKEN = 1;
const AUTH_SIGNATURE = 2;
const AUTH_TOKEN_LENGTH = 20;

const SHELL_V2_STDOUT = 1;
const SHELL_V2_EXIT = 3;
const SHELL_V2_HEADER_LENGTH = 5;

/** adbd stops filling `data_check` from this protocol version on (A_VERSION_SKIP_CHECKSUM). */
const VERSION_SKIP_CHECKSUM = 0x01000001;

/**
 * `sim-stream BYTES` / `sim-stream forever`: byte k of the output is k % SIM_STREAM_MODULUS (a
 * prime, so a chunk lost, doubled or reordered shows in the content, not only in the count).
 */
export const SIM_STREAM_COMMAND = 'sim-stream';
export const SIM_STREAM_MODULUS = 251;

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

/** Formats properties the way `getprop` without arguments prints them. */
export function formatGetpropListing(properties: Record<string, string>): string {
  return Object.keys(properties)
    .sort()
    .map((name) => `[${name}]: [${properties[name]}]\n`)
    .join('');
}

interface ShellRequest {
  shellV2: boolean;
  command: string;
}

/**
 * `shell:CMD` (raw), `shell,v2,OPTIONS:CMD`, or `exec:CMD` (raw, no pty: what adbd runs for
 * `adb exec-out`); anything else is not a shell request.
 */
export function parseShellService(service: string): ShellRequest | undefined {
  const colon = service.indexOf(':');
  if (colon < 0) return undefined;
  const [name, ...options] = service.slice(0, colon).split(',');
  if (name === 'exec' && options.length === 0) return { shellV2: false, command: service.slice(colon + 1) };
  if (name !== 'shell') return undefined;
  return { shellV2: options.includes('v2'), command: service.slice(colon + 1) };
}

function shellV2Packet(id: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(SHELL_V2_HEADER_LENGTH);
  header.writeUInt8(id, 0);
  header.writeUInt32LE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

/** What a service writes, one WRTE payload at a time: `next` gives at most `maxBytes`, undefined at the end. */
export interface OutputSource {
  next(maxBytes: number): Buffer | undefined;
  /** Writes nothing for this long first (`sleep`). */
  startAfterMs?: number;
}

function bufferSource(output: Buffer): OutputSource {
  let offset = 0;
  return {
    next(maxBytes) {
      if (offset >= output.length) return undefined;
      const chunk = output.subarray(offset, offset + maxBytes);
      offset += chunk.length;
      return chunk;
    },
  };
}

/** `sim-stream`'s pattern, long enough to slice any payload from any phase without copying. */
const SIM_STREAM_PATTERN = Buffer.from(Array.from({ length: SIM_STREAM_MODULUS + DEVICE_MAX_PAYLOAD }, (_, k) => k % SIM_STREAM_MODULUS));

/** `total` bytes of the pattern (Infinity: until the stream is closed). */
function patternSource(total: number): OutputSource {
  let offset = 0;
  return {
    next(maxBytes) {
      if (offset >= total) return undefined;
      const phase = offset % SIM_STREAM_MODULUS;
      const chunk = SIM_STREAM_PATTERN.subarray(phase, phase + Math.min(maxBytes, DEVICE_MAX_PAYLOAD, total - offset));
      offset += chunk.length;
      return chunk;
    },
  };
}

/** A raw source's bytes as shell v2 stdout packets, each within one payload, then the exit packet. */
function shellV2Source(raw: OutputSource): OutputSource {
  let exited = false;
  return {
    next(maxBytes) {
      const data = raw.next(maxBytes - SHELL_V2_HEADER_LENGTH);
      if (data) return shellV2Packet(SHELL_V2_STDOUT, data);
      if (exited) return undefined;
      exited = true;
      return shellV2Packet(SHELL_V2_EXIT, Buffer.from([0]));
    },
  };
}

/** One stream the device opened in answer to an OPEN: writes wait for OKAY, then CLSE. */
class OutgoingStream {
  private awaitingOkay = false;
  private delay?: NodeJS.Timeout;

  constructor(
    private readonly send: (command: number, arg0: number, arg1: number, data?: Buffer) => void,
    readonly deviceId: number,
    readonly serverId: number,
    private readonly source: OutputSource,
    private readonly maxPayload: number,
    private readonly onDone: () => void,
  ) {}

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
  }

  onOkay(): void {
    if (!this.awaitingOkay) return;
    this.awaitingOkay = false;
    this.sendNext();
  }

  private sendNext(): void {
    const chunk = this.source.next(this.maxPayload);
    if (chunk) {
      this.awaitingOkay = true;
      this.send(COMMAND.WRTE, this.deviceId, this.serverId, chunk);
      return;
    }
    this.send(COMMAND.CLSE, this.deviceId, this.serverId);
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
      case COMMAND.WRTE:
        // Input (shell v2 stdin, close-stdin) is acknowledged and ignored.
        if (this.streams.has(message.arg1)) this.send(COMMAND.OKAY, message.arg1, message.arg0);
        return;
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
export class SimulatedDevice {
  private server: net.Server | undefined;
  private readonly connections = new Set<DeviceConnection>();
  private state: SimDeviceState;
  private getpropStreams = 0;
  private writtenBytes = 0;
  private boundPort = 0;

  constructor(private readonly options: SimulatedDeviceOptions) {
    this.state = options.state;
  }

  get getpropCount(): number {
    return this.getpropStreams;
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
    return `${state}::ro.product.name=${product};ro.product.model=${model};ro.product.device=${device};features=shell_v2,cmd`;
  }

  /** A shell `reboot -p`, when the device can power off: starts it and says so. */
  powerOff(service: string): boolean {
    const onPowerOff = this.options.onPowerOff;
    if (!onPowerOff || !/^reboot\s+-p$/.test(parseShellService(service)?.command.trim() ?? '')) return false;
    setImmediate(onPowerOff);
    return true;
  }

  /** Output of a service, or undefined when the device does not offer it. */
  runService(service: string): OutputSource | undefined {
    const shell = parseShellService(service);
    if (!shell) return undefined;
    const stdout = this.runShellCommand(shell.command);
    if (stdout === undefined) return undefined;
    return shell.shellV2 ? shellV2Source(stdout) : stdout;
  }

  private runShellCommand(command: string): OutputSource | undefined {
    const words = command.trim().split(/\s+/);
    if (words[0] === 'sleep' && words.length === 2 && /^\d+$/.test(words[1])) {
      // Writes nothing, then ends: a command that keeps a request waiting.
      return { next: () => undefined, startAfterMs: Number(words[1]) * 1000 };
    }
    if (words[0] === SIM_STREAM_COMMAND && words.length === 2) {
      const total = words[1] === 'forever' ? Infinity : /^\d+$/.test(words[1]) ? Number(words[1]) : undefined;
      return total === undefined ? undefined : patternSource(total);
    }
    if (words[0] !== 'getprop' || words.length > 2) return undefined;
    this.getpropStreams++;
    if (words.length === 1) return bufferSource(Buffer.from(formatGetpropListing(this.options.properties), 'utf8'));
    return bufferSource(Buffer.from(`${this.options.properties[words[1]] ?? ''}\n`, 'utf8'));
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
