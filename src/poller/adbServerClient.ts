// One adb server, spoken to through adbkit's connection, parser and protocol framing.
// adbkit's own Client is not used for requests because (a) it starts an adb server on every
// refused connection, while here starting is a deliberate, rate-limited choice, (b) its tracker
// never reconnects and reads the short list format, and (c) listDevicesWithPaths mis-parses TCP
// serials. Every socket opened here is destroyed when its request ends, fails or times out.
//
// Whatever answers on the port is not trusted: a reply's 4-hex length prefix is checked (adbkit
// reads `zzzz` as a zero length and `-001` as a read that never ends), every request has a deadline
// for the whole reply (the socket's idle timeout alone lets a server trickle one byte at a time
// forever), and shell output is capped (adbkit's readAll grows without bound).

import Connection from '@devicefarmer/adbkit/dist/src/adb/connection';
import Parser from '@devicefarmer/adbkit/dist/src/adb/parser';
import Protocol from '@devicefarmer/adbkit/dist/src/adb/protocol';
import { DeviceDetails } from '../shared/types';
import { HostPort } from '../shared/address';

/** Real `getprop` output is 20-100 KB; past this the reply is refused (Buffers escape the heap cap). */
export const MAX_SHELL_OUTPUT_BYTES = 1024 * 1024;
/** A shell command on a device gets this many request timeouts in all (a slow device over Wi-Fi). */
const SHELL_DEADLINE_FACTOR = 3;
const HEX_LENGTH = /^[0-9a-fA-F]{4}$/;

class AdbError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

/** Turns socket and adbkit errors into a sentence a user can act on. */
export function describeAdbError(error: unknown, address: string, adbPath: string, timeoutMs: number): string {
  const err = error as NodeJS.ErrnoException & { unexpected?: string; name?: string };
  if (error instanceof AdbError) {
    return error.message;
  }
  if (err?.code === 'ENOENT' && typeof (err as { path?: string }).path === 'string') {
    return `adb executable not found: ${adbPath}`;
  }
  if (err?.code === 'EACCES' && typeof (err as { path?: string }).path === 'string') {
    return `adb executable is not runnable: ${adbPath}`;
  }
  switch (err?.code) {
    case 'ECONNREFUSED':
      return `no adb server at ${address} (connection refused)`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `the adb server at ${address} closed the connection`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host of ${address} not found`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${address} is unreachable`;
    default:
      break;
  }
  if (error instanceof Parser.TimeoutError) {
    return `${address} accepted the connection but did not answer within ${timeoutMs} ms`;
  }
  if (error instanceof Parser.UnexpectedDataError) {
    return `${address} is not an adb server (it answered ${JSON.stringify(String(err.unexpected).slice(0, 16))})`;
  }
  if (error instanceof Parser.PrematureEOFError) {
    return `the adb server at ${address} closed the connection mid-reply`;
  }
  if (error instanceof Parser.FailError) {
    return `the adb server at ${address} refused: ${err.message.replace(/^Failure: /, '')}`;
  }
  return `${address}: ${err?.message ?? String(error)}`;
}

/** A long-lived `host:track-devices-l` stream. */
export interface TrackStream {
  /** Resolves with the reason the stream ended; never rejects. */
  readonly ended: Promise<Error>;
  close(): void;
}

export class AdbServerClient {
  private readonly openConnections = new Set<Connection>();

  constructor(
    readonly address: string,
    private readonly endpoint: HostPort,
    private readonly adbPath: string,
    private readonly timeoutMs: number,
  ) {}

  /** Lines of `host:devices-l`. */
  async listDevices(): Promise<string> {
    return (await this.request('host:devices-l')).toString('utf8');
  }

  /**
   * Opens the push stream; resolves once the server accepted it (OKAY).
   * `mayStartServer` lets this one connection start a server that is not running.
   */
  async track(mayStartServer: boolean, onList: (text: string) => void): Promise<TrackStream> {
    const connection = await this.open(mayStartServer);
    const socket = connection.socket;
    try {
      await this.send(connection, 'host:track-devices-l');
    } catch (error) {
      this.destroy(connection);
      throw error;
    }
    // The stream idles for as long as nothing changes: only requests have a deadline.
    socket.setTimeout(0);
    let close!: () => void;
    const ended = new Promise<Error>((resolve) => {
      const finish = (reason: Error) => {
        this.destroy(connection);
        resolve(reason);
      };
      close = () => finish(new AdbError('closed'));
      socket.once('close', () => finish(new AdbError(`the adb server at ${this.address} closed the device stream`, 'ECONNRESET')));
      const readNext = (): void => {
        this.readHostValue(connection)
          .then((value: Buffer) => {
            onList(value.toString('utf8'));
            readNext();
          })
          .catch((error: Error) => finish(error));
      };
      readNext();
    });
    return { ended, close };
  }

  /** `getprop` on one device, parsed into the details the picker shows. */
  async fetchDetails(serial: string, transportId?: string): Promise<DeviceDetails> {
    const transport = transportId ? `host:transport-id:${transportId}` : `host:transport:${serial}`;
    const output = await this.request(transport, 'shell:getprop');
    return detailsFromGetprop(output.toString('utf8'));
  }

  /** `adb connect ADDRESS`: adb answers OKAY even when it failed, so the reply text is the result. */
  async connectDevice(address: string): Promise<string> {
    return (await this.request(`host:connect:${address}`)).toString('utf8').trim();
  }

  /** The server's protocol version (`host:version`, hex): 41 for adb 1.0.41. */
  async serverVersion(): Promise<number> {
    return parseInt((await this.request('host:version')).toString('utf8'), 16);
  }

  /** `adb disconnect SERIAL`. */
  async disconnectDevice(serial: string): Promise<string> {
    return (await this.request(`host:disconnect:${serial}`)).toString('utf8').trim();
  }

  /** Destroys every socket this client still holds (pause, stop). */
  closeAll(): void {
    for (const connection of [...this.openConnections]) {
      this.destroy(connection);
    }
  }

  /**
   * One request: each service but the last must answer OKAY; the last one's reply is read whole,
   * all of it within one deadline (connect included).
   */
  private async request(...services: string[]): Promise<Buffer> {
    const last = services[services.length - 1];
    // host: services answer with a length-prefixed value; device services stream until close.
    const hostService = last.startsWith('host:');
    const deadlineMs = hostService ? this.timeoutMs : this.timeoutMs * SHELL_DEADLINE_FACTOR;
    let connection: Connection | undefined;
    const work = (async () => {
      const opened = await this.open(false, (created) => (connection = created));
      for (const service of services) {
        await this.send(opened, service);
      }
      return hostService ? await this.readHostValue(opened) : await this.readShellOutput(opened);
    })();
    // Past the deadline the socket is destroyed; adbkit's pending read may then never settle.
    work.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new AdbError(`${this.address} did not finish its answer to ${last} within ${deadlineMs} ms`, 'ETIMEDOUT')),
        deadlineMs,
      );
    });
    try {
      return await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
      if (connection) {
        this.destroy(connection);
      }
    }
  }

  /** A length-prefixed value (`XXXX` hex, then that many bytes); anything else is not adb. */
  private async readHostValue(connection: Connection): Promise<Buffer> {
    const prefix: string = await connection.parser.readAscii(4);
    if (!HEX_LENGTH.test(prefix)) {
      throw new AdbError(`${this.address} sent a malformed reply (length ${JSON.stringify(prefix)} is not 4 hex digits)`);
    }
    return connection.parser.readBytes(parseInt(prefix, 16));
  }

  /** A device service's output, until the server closes the stream; refused past MAX_SHELL_OUTPUT_BYTES. */
  private readShellOutput(connection: Connection): Promise<Buffer> {
    const socket = connection.socket;
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const cleanup = () => {
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.off('close', onClose);
        socket.off('error', onError);
        socket.off('timeout', onTimeout);
      };
      const fail = (error: Error) => {
        cleanup();
        socket.destroy();
        reject(error);
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_SHELL_OUTPUT_BYTES) {
          fail(new AdbError(`the adb server at ${this.address} sent more than ${MAX_SHELL_OUTPUT_BYTES} bytes of shell output; refused`));
          return;
        }
        chunks.push(chunk);
      };
      const onEnd = () => {
        cleanup();
        resolve(Buffer.concat(chunks));
      };
      const onClose = () => fail(new Parser.PrematureEOFError(0));
      const onError = (error: Error) => fail(error);
      const onTimeout = () => fail(new Parser.TimeoutError());
      socket.on('data', onData);
      socket.once('end', onEnd);
      socket.once('close', onClose);
      socket.once('error', onError);
      socket.once('timeout', onTimeout);
    });
  }

  private async send(connection: Connection, service: string): Promise<void> {
    connection.write(Protocol.encodeData(service));
    const reply = await connection.parser.readAscii(4);
    if (reply === Protocol.OKAY) {
      return;
    }
    if (reply === Protocol.FAIL) {
      await connection.parser.readError();
    }
    await connection.parser.unexpected(reply, 'OKAY or FAIL');
  }

  private async open(mayStartServer: boolean, created?: (connection: Connection) => void): Promise<Connection> {
    const connection = new Connection({
      host: this.endpoint.host,
      port: this.endpoint.port,
      bin: this.adbPath,
      timeout: this.timeoutMs,
    });
    if (!mayStartServer) {
      // adbkit would run `adb start-server` on ECONNREFUSED; here that is the caller's decision.
      connection.startServer = () => Promise.reject(refused(this.address)) as unknown as ReturnType<Connection['startServer']>;
    }
    // Errors after connect are re-emitted by adbkit; a listener keeps them from crashing the worker.
    connection.on('error', () => undefined);
    this.openConnections.add(connection);
    created?.(connection);
    try {
      const connecting = connection.connect();
      // adbkit's connect never settles when the socket is destroyed under it (pause, stop).
      const destroyed = new Promise<never>((_, reject) =>
        connection.socket.once('close', (hadError: boolean) => {
          if (!hadError) {
            reject(new AdbError(`connection to ${this.address} closed`));
          }
        }),
      );
      destroyed.catch(() => undefined);
      await Promise.race([connecting, destroyed]);
    } catch (error) {
      this.destroy(connection);
      throw error;
    }
    return connection;
  }

  private destroy(connection: Connection): void {
    this.openConnections.delete(connection);
    connection.socket?.destroy();
  }
}

function refused(address: string): Error {
  const error = new AdbError(`no adb server at ${address} (connection refused)`, 'ECONNREFUSED');
  return error;
}

// `[name]: [value]` on one line; the value runs to the line's last `]` (it may hold brackets).
// Read line by line with an anchored pattern: the former multi-line /^\[([^\]]+)\]: .../gm went
// quadratic on output of many `[x` lines (a device sending 120 KB of them froze the worker ~8 s).
// Values spread over several lines are not read: none of the properties below has one.
const GETPROP_LINE = /^\[([^\]]+)\]: \[([\s\S]*)\]\r?$/;
/** Real values are at most 92 bytes (PROP_VALUE_MAX) but `ro.` properties may be longer. */
export const MAX_DETAIL_LENGTH = 256;
const WANTED = new Set(['ro.product.manufacturer', 'ro.product.model', 'ro.build.version.release', 'ro.build.version.sdk', 'ro.product.cpu.abi']);

export function detailsFromGetprop(output: string): DeviceDetails {
  const props = new Map<string, string>();
  for (let start = 0; start < output.length; ) {
    const newline = output.indexOf('\n', start);
    const end = newline < 0 ? output.length : newline;
    // Every property read here is `ro.`; other lines are not even sliced out.
    if (output.startsWith('[ro.', start)) {
      const match = GETPROP_LINE.exec(output.slice(start, end));
      if (match && WANTED.has(match[1])) {
        props.set(match[1], match[2].slice(0, MAX_DETAIL_LENGTH));
      }
    }
    start = end + 1;
  }
  const details: DeviceDetails = {};
  const manufacturer = props.get('ro.product.manufacturer');
  const model = props.get('ro.product.model');
  const release = props.get('ro.build.version.release');
  const sdkText = props.get('ro.build.version.sdk') ?? '';
  const sdk = /^\d{1,6}$/.test(sdkText) ? Number(sdkText) : NaN;
  const abi = props.get('ro.product.cpu.abi');
  if (manufacturer) details.manufacturer = manufacturer;
  if (model) details.model = model;
  if (release) details.androidRelease = release;
  if (Number.isFinite(sdk)) details.sdkLevel = sdk;
  if (abi) details.abi = abi;
  return details;
}
