// One adb server, spoken to through adbkit's connection, parser and protocol framing.
// adbkit's own Client is not used for requests because (a) it starts an adb server on every
// refused connection, while here starting is a deliberate, rate-limited choice, (b) its tracker
// never reconnects and reads the short list format, and (c) listDevicesWithPaths mis-parses TCP
// serials. Every socket opened here is destroyed when its request ends, fails or times out.

import Connection from '@devicefarmer/adbkit/dist/src/adb/connection';
import Parser from '@devicefarmer/adbkit/dist/src/adb/parser';
import Protocol from '@devicefarmer/adbkit/dist/src/adb/protocol';
import { DeviceDetails } from './protocol';
import { AdbServerAddress } from './serverAddress';

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
    private readonly endpoint: AdbServerAddress,
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
        connection.parser
          .readValue()
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

  get openConnectionCount(): number {
    return this.openConnections.size;
  }

  /** One request: each service but the last must answer OKAY; the last one's reply is read whole. */
  private async request(...services: string[]): Promise<Buffer> {
    const connection = await this.open(false);
    try {
      for (const service of services) {
        await this.send(connection, service);
      }
      const last = services[services.length - 1];
      // host: services answer with a length-prefixed value; device services stream until close.
      return last.startsWith('host:') ? await connection.parser.readValue() : await connection.parser.readAll();
    } finally {
      this.destroy(connection);
    }
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

  private async open(mayStartServer: boolean): Promise<Connection> {
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

const GETPROP_LINE = /^\[([^\]]+)\]: \[([^\]]*)\]/gm;

export function detailsFromGetprop(output: string): DeviceDetails {
  const props = new Map<string, string>();
  for (const match of output.matchAll(GETPROP_LINE)) {
    props.set(match[1], match[2]);
  }
  const details: DeviceDetails = {};
  const manufacturer = props.get('ro.product.manufacturer');
  const model = props.get('ro.product.model');
  const release = props.get('ro.build.version.release');
  const sdk = Number.parseInt(props.get('ro.build.version.sdk') ?? '', 10);
  const abi = props.get('ro.product.cpu.abi');
  if (manufacturer) details.manufacturer = manufacturer;
  if (model) details.model = model;
  if (release) details.androidRelease = release;
  if (Number.isFinite(sdk)) details.sdkLevel = sdk;
  if (abi) details.abi = abi;
  return details;
}
