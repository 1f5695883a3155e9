// One adb server, spoken to over sockets opened and read here, with adbkit's framing and error
// classes. adbkit's Client, Connection and Parser are not used because (a) Connection starts an adb server on every
// refused connection, while here starting is a deliberate, rate-limited choice (startServer()),
// (b) its connect has no deadline (the socket timeout is armed only once connected: against a host
// that drops packets a connect stays pending ~2 min), (c) its tracker never reconnects and reads
// the short list format, (d) listDevicesWithPaths mis-parses TCP serials, and (e) its parser's
// reads never settle on a socket destroyed under them, and settle a few event-loop turns after
// the data (Bluebird), so a server's last words could lose the race with its close.
//
// Whatever answers on the port is not trusted: a reply's 4-hex length prefix is checked (adbkit
// reads `zzzz` as a zero length and `-001` as a read that never ends), every operation has one
// deadline for connect and the whole reply (a socket idle timeout alone lets a server trickle one
// byte at a time forever), and shell output is capped (adbkit's readAll grows without bound).
//
// Every operation in flight is registered until it settles: closeAll() fails them all at once,
// destroys their sockets and clears their deadline timers (one left armed would keep the worker
// thread alive until it fired).

import { ChildProcess, execFile } from 'node:child_process';
import * as net from 'node:net';
import Parser from '@devicefarmer/adbkit/dist/src/adb/parser';
import Protocol from '@devicefarmer/adbkit/dist/src/adb/protocol';
import { HostPort } from '../address';
import { DeviceDetails } from '../types';
import { AdbError, CLOSED_BY_US } from './adbErrors';
import { detailsFromGetprop } from './getprop';
import { SocketReader } from './socketReader';

/** A shell command on a device gets this many request timeouts in all (a slow device over Wi-Fi). */
export const SHELL_DEADLINE_FACTOR = 3;
/** `adb start-server` gets this many request timeouts (its first run writes a key, then forks the server). */
export const START_SERVER_DEADLINE_FACTOR = 5;
const HEX_LENGTH = /^[0-9a-fA-F]{4}$/;

/** A long-lived `host:track-devices-l` stream, open and with its first list read. */
export interface TrackStream {
  /** The server's first list (it sends one as soon as it accepts the stream). */
  readonly first: string;
  /** Resolves with the reason the stream ended; never rejects. */
  readonly ended: Promise<Error>;
  close(): void;
}

type Phase = 'connecting' | 'waiting' | 'reading';

/** One connection, its reader, and how far the exchange got (for the deadline's words). */
interface Link {
  socket: net.Socket;
  reader: SocketReader;
  phase: Phase;
}

export class AdbServerClient {
  private readonly sockets = new Set<net.Socket>();
  /** Operations in flight: each fails at once on closeAll(). */
  private readonly pending = new Set<(error: Error) => void>();
  private starting?: ChildProcess;

  constructor(
    readonly address: string,
    readonly endpoint: HostPort,
    private readonly adbPath: string,
    private readonly timeoutMs: number,
  ) {}

  /** Lines of `host:devices-l`. */
  async listDevices(): Promise<string> {
    return (await this.request('host:devices-l')).toString('utf8');
  }

  /**
   * Opens the push stream; resolves once the server sent its first list, all within one deadline
   * (connect included). Later lists go to `onList`.
   */
  async track(onList: (text: string) => void): Promise<TrackStream> {
    const service = 'host:track-devices-l';
    const { value: first, link } = await this.operate(
      service,
      this.timeoutMs,
      async (opened) => {
        await this.send(opened, service);
        return (await this.readHostValue(opened)).toString('utf8');
      },
      { keepOpen: true },
    );
    // The stream idles for as long as nothing changes: past its first list it has no deadline.
    let close!: () => void;
    const ended = new Promise<Error>((resolve) => {
      let done = false;
      const finish = (reason: Error) => {
        if (!done) {
          done = true;
          this.destroy(link.socket);
          resolve(reason);
        }
      };
      close = () => finish(new AdbError('closed', CLOSED_BY_US));
      const readNext = (): void => {
        this.readHostValue(link).then(
          (value: Buffer) => {
            if (!done) {
              onList(value.toString('utf8'));
              readNext();
            }
          },
          (error: Error) =>
            finish(
              error instanceof Parser.PrematureEOFError
                ? new AdbError(`the adb server at ${this.address} closed the device stream`, 'ECONNRESET', 'closed')
                : error,
            ),
        );
      };
      readNext();
    });
    return { first, ended, close };
  }

  /** `getprop` on one device, parsed into the details the picker shows. */
  async fetchDetails(serial: string, transportId?: string): Promise<DeviceDetails> {
    const output = await this.request(transportService(serial, transportId), 'shell:getprop');
    return detailsFromGetprop(output.toString('utf8'));
  }

  /**
   * A device service's whole output (deviceServices.ts): connect, the device's transport, the
   * service, and what it writes until the device closes it, all within `deadlineMs`; refused past
   * `maxBytes`. The service string goes to adb as protocol data, never through a shell.
   */
  async deviceRequest(serial: string, transportId: string | undefined, service: string, deadlineMs: number, maxBytes: number): Promise<Buffer> {
    const { value } = await this.operate(service, deadlineMs, async (link) => {
      link.reader.limit(maxBytes, `${service} output`);
      await this.send(link, transportService(serial, transportId));
      await this.send(link, service);
      return this.readShellOutput(link);
    });
    return value;
  }

  /**
   * Opens a device service to stream it (deviceServices.ts): resolves once the device accepted it,
   * within `deadlineMs` (connect included), with its socket, read by nobody from then on, and the
   * bytes that came with the OKAY. The socket stays this client's: closeAll() destroys it.
   */
  async openDeviceStream(serial: string, transportId: string | undefined, service: string, deadlineMs: number): Promise<{ socket: net.Socket; head: Buffer }> {
    const { link } = await this.operate(
      service,
      deadlineMs,
      async (opened) => {
        await this.send(opened, transportService(serial, transportId));
        await this.send(opened, service);
      },
      { keepOpen: true },
    );
    return { socket: link.socket, head: link.reader.detach() };
  }

  /**
   * Whether adb still has the device's transport (online): after a device service ended, it tells
   * the device leaving (adb closes every stream of a transport it drops) from the service's end.
   * Resolves with adb's refusal ("device offline", "device not found"), or undefined when online.
   */
  async transportRefusal(serial: string, transportId: string | undefined, deadlineMs: number): Promise<string | undefined> {
    try {
      await this.operate('host:transport', deadlineMs, (link) => this.send(link, transportService(serial, transportId)));
      return undefined;
    } catch (error) {
      if (error instanceof Parser.FailError) return error.message.replace(/^Failure: '(.*)'$/s, '$1');
      throw error;
    }
  }

  /** `adb connect ADDRESS`: adb answers OKAY even when it failed, so the reply text is the result. */
  async connectDevice(address: string): Promise<string> {
    return (await this.request(`host:connect:${address}`)).toString('utf8').trim();
  }

  /**
   * Any host service, its reply read as `host:pair` sends it (OKAY, then the length-prefixed text,
   * or FAIL and the text after the OKAY: services.cpp `pair_service`; adb 34.0.5 does, measured),
   * which also reads the plain OKAY-and-text of the others. A FAIL is the answer (`failed`), not
   * an error, except an unknown service (isUnknownServiceError). Past the deadline once the server
   * took the request, a HostServiceTimeout. `secret` never appears in an error.
   */
  async hostService(service: string, options: { deadlineMs?: number; secret?: string } = {}): Promise<{ text: string; failed: boolean }> {
    const deadlineMs = options.deadlineMs ?? this.timeoutMs;
    const label = options.secret ? service.split(options.secret).join('…') : service;
    const { value } = await this.operate(
      label,
      deadlineMs,
      async (link) => {
        await this.send(link, service);
        return this.readHostReply(link);
      },
      { deadlineError: (phase) => (phase === 'reading' ? new HostServiceTimeout(`${this.address} took ${label} but did not finish its answer within ${deadlineMs} ms`) : undefined) },
    );
    return value;
  }

  /** The server's protocol version (`host:version`, hex): 41 for adb 1.0.41. */
  async serverVersion(): Promise<number> {
    return parseInt((await this.request('host:version')).toString('utf8'), 16);
  }

  /** `adb disconnect SERIAL`. */
  async disconnectDevice(serial: string): Promise<string> {
    return (await this.request(`host:disconnect:${serial}`)).toString('utf8').trim();
  }

  /**
   * `adb -P PORT start-server`, without a shell, under a deadline (the child is killed past it).
   * Whether to run it (a loopback address, once per reconnect step) is the caller's decision.
   */
  startServer(): Promise<void> {
    const deadlineMs = this.timeoutMs * START_SERVER_DEADLINE_FACTOR;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        this.pending.delete(fail);
        if (this.starting === child) this.starting = undefined;
        if (error) reject(error);
        else resolve();
      };
      const fail = (error: Error) => {
        child.kill('SIGKILL');
        settle(error);
      };
      const child = execFile(
        this.adbPath,
        ['-P', String(this.endpoint.port), 'start-server'],
        { timeout: deadlineMs, killSignal: 'SIGKILL', windowsHide: true },
        (error, _stdout, stderr) => {
          if (!error) {
            settle();
          } else if (typeof error.code === 'string') {
            settle(error); // spawn failed: ENOENT, EACCES (the error names the executable)
          } else if (error.killed) {
            settle(new AdbError(`${this.adbPath} start-server for ${this.address} did not finish within ${deadlineMs} ms`, 'ETIMEDOUT', 'not-running'));
          } else {
            const said = String(stderr).trim().split('\n')[0].slice(0, 200);
            settle(new AdbError(`${this.adbPath} start-server for ${this.address} failed (exit ${error.code ?? error.signal})${said ? `: ${said}` : ''}`, undefined, 'not-running'));
          }
        },
      );
      this.starting = child;
      this.pending.add(fail);
    });
  }

  /** Fails every operation in flight, destroys every socket and kills a start-server still running (pause, stop). */
  closeAll(): void {
    const closed = new AdbError(`connection to ${this.address} closed`, CLOSED_BY_US);
    for (const fail of [...this.pending]) {
      fail(closed);
    }
    for (const socket of [...this.sockets]) {
      this.destroy(socket);
    }
    this.starting?.kill('SIGKILL');
    this.starting = undefined;
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
    const { value } = await this.operate(last, deadlineMs, async (link) => {
      for (const service of services) {
        await this.send(link, service);
      }
      return hostService ? await this.readHostValue(link) : await this.readShellOutput(link);
    });
    return value;
  }

  /**
   * Connects and runs `exchange` under one deadline. The socket is destroyed when the operation
   * fails, times out or is closed by closeAll(), and when it succeeds unless `keepOpen`.
   * `deadlineError` may give the words of a deadline passed in a phase (the standard ones otherwise).
   */
  private operate<T>(
    service: string,
    deadlineMs: number,
    exchange: (link: Link) => Promise<T>,
    options: { keepOpen?: boolean; deadlineError?: (phase: Phase) => AdbError | undefined } = {},
  ): Promise<{ value: T; link: Link }> {
    const { keepOpen = false, deadlineError } = options;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.endpoint.host, port: this.endpoint.port });
      socket.setNoDelay(true);
      this.sockets.add(socket);
      const link: Link = { socket, reader: new SocketReader(socket, this.address), phase: 'connecting' };
      let settled = false;
      const settle = (error: Error | undefined, value?: T) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.pending.delete(settle);
        if (error || !keepOpen) this.destroy(socket);
        if (error) reject(error);
        else resolve({ value: value as T, link });
      };
      const timer = setTimeout(() => settle(deadlineError?.(link.phase) ?? this.deadlineError(link.phase, service, deadlineMs)), deadlineMs);
      this.pending.add(settle);
      // Once connected, every failure reaches the exchange through its pending read.
      socket.once('error', (error) => link.phase === 'connecting' && settle(error));
      socket.once('close', () => link.phase === 'connecting' && settle(new AdbError(`connection to ${this.address} closed`, 'ECONNRESET', 'closed')));
      socket.once('connect', () => {
        link.phase = 'waiting';
        exchange(link).then(
          (value) => settle(undefined, value),
          (error: Error) => settle(error),
        );
      });
    });
  }

  private deadlineError(phase: Phase, service: string, deadlineMs: number): AdbError {
    switch (phase) {
      case 'connecting':
        return new AdbError(`${this.address} did not accept a connection within ${deadlineMs} ms`, 'ETIMEDOUT', 'host-unreachable');
      case 'waiting':
        return new AdbError(`${this.address} accepted the connection but did not answer within ${deadlineMs} ms`, 'ETIMEDOUT', 'not-answering');
      case 'reading':
        return new AdbError(`${this.address} did not finish its answer to ${service} within ${deadlineMs} ms`, 'ETIMEDOUT', 'not-answering');
    }
  }

  /** A length-prefixed value (`XXXX` hex, then that many bytes); anything else is not adb. */
  private async readHostValue(link: Link): Promise<Buffer> {
    return this.readValueAfter(link, (await link.reader.read(4)).toString('latin1'));
  }

  /** After OKAY: the length-prefixed text, or FAIL and the text (see hostService). */
  private async readHostReply(link: Link): Promise<{ text: string; failed: boolean }> {
    const head = (await link.reader.read(4)).toString('latin1');
    const failed = head === Protocol.FAIL;
    const value = failed ? await this.readHostValue(link) : await this.readValueAfter(link, head);
    return { text: value.toString('utf8'), failed };
  }

  private async readValueAfter(link: Link, prefix: string): Promise<Buffer> {
    if (!HEX_LENGTH.test(prefix)) {
      throw new AdbError(`${this.address} sent a malformed reply (length ${JSON.stringify(prefix)} is not 4 hex digits)`, undefined, 'not-adb');
    }
    return link.reader.read(parseInt(prefix, 16));
  }

  /** A device service's output, until the server closes the stream; refused past the reader's bound (MAX_SHELL_OUTPUT_BYTES unless set). */
  private readShellOutput(link: Link): Promise<Buffer> {
    return link.reader.readToEnd();
  }

  private async send(link: Link, service: string): Promise<void> {
    link.socket.write(Protocol.encodeData(service));
    const reply = (await link.reader.read(4)).toString('latin1');
    if (reply === Protocol.OKAY) {
      link.phase = 'reading';
      return;
    }
    if (reply === Protocol.FAIL) {
      const length = (await link.reader.read(4)).toString('latin1');
      const message = HEX_LENGTH.test(length) ? (await link.reader.read(parseInt(length, 16))).toString('utf8') : length;
      throw new Parser.FailError(message);
    }
    // After unexpected data the exchange's state is unknown: the connection is not used again.
    link.socket.destroy();
    throw new Parser.UnexpectedDataError(reply, 'OKAY or FAIL');
  }

  private destroy(socket: net.Socket): void {
    this.sockets.delete(socket);
    socket.destroy();
  }
}

/** The host service that switches a connection to one device: by transport id when adb gave one (it names one connection of the device), else by serial. */
export function transportService(serial: string, transportId?: string): string {
  return transportId ? `host:transport-id:${transportId}` : `host:transport:${serial}`;
}

/** The server took a host service request but did not finish its answer by the deadline. */
export class HostServiceTimeout extends AdbError {
  constructor(message: string) {
    super(message, 'ETIMEDOUT', 'not-answering');
  }
}

/** adb's FAIL for a host service it does not know (sockets.cpp, smart_socket_enqueue). */
export function isUnknownHostService(failMessage: string): boolean {
  return /unknown host service/i.test(failMessage);
}

/** True when the server refused the request as a host service it does not know (an older adb). */
export function isUnknownServiceError(error: unknown): boolean {
  return error instanceof Parser.FailError && isUnknownHostService(error.message);
}
