// The worker's core, free of worker_threads so it can be tested and benchmarked in-process:
// merges every server's device list, fetches details once per device, and publishes one
// snapshot per change burst with the changes since the last one.

import { describeAdbError } from '../../core/adb/adbErrors';
import { AdbServerClient, HostServiceTimeout, isUnknownServiceError } from '../../core/adb/adbServerClient';
import { isLoopbackHost, parseServerAddress } from '../../core/address';
import { diffDevices, hasChanges } from '../../core/deviceChanges';
import { AdbCommand, CommandResult, Device, DeviceChanges, DeviceDetails, LogLevel, PollerConfig, ServerState, Snapshot } from '../../core/types';
import { ServerWatcher } from './serverWatcher';

export interface PollerSink {
  snapshot(snapshot: Snapshot, changes: DeviceChanges): void;
  log(level: LogLevel, message: string): void;
}

/** Details fetched per device and transport id; a new transport id means a new connection, so refetch. */
interface DetailsEntry {
  transportId: string;
  details?: DeviceDetails;
  inFlight: boolean;
  failures: number;
}

const MAX_DETAILS_FAILURES = 3;
/** Snapshots sent back to back before throttling to one per coalesceMs: a device's
 *  offline -> device pair is not delayed, a flood of 200 attaches is. */
const PUBLISH_BURST = 8;
/** Beyond this many devices the window between snapshots widens in proportion. */
const DEVICES_PER_WINDOW = 25;
const DETAILS_CONCURRENCY = 8;
/** Details wait for the lists to be quiet this long: during an attach burst the adb server's
 *  list updates come first (each getprop is work for the same server). */
const DETAILS_QUIET_MS = 30;
/** ...but never longer than this, so a device that keeps flapping still gets its details. */
const DETAILS_MAX_DEFER_MS = 1000;
/** The host service behind each pairing command, for the words of an older server's refusal. */
/** The poll's pace in the background: never faster than the configured one. */
function backgroundPollIntervalMs(config: PollerConfig): number {
  return Math.max(config.pollIntervalMs, config.backgroundPollIntervalMs);
}

export class DevicePoller {
  private readonly watchers = new Map<string, { client: AdbServerClient; watcher: ServerWatcher }>();
  private readonly listed = new Map<string, Device[]>();
  private readonly serverStates = new Map<string, ServerState>();
  private readonly details = new Map<string, DetailsEntry>();
  private readonly detailsQueue: Device[] = [];
  private detailsRunning = 0;
  private lastListAt = 0;
  private detailsDeferredSince?: number;
  private detailsTimer?: NodeJS.Timeout;
  /** Bumped on pause: fetches cut off by closed sockets must not touch the new run's counters. */
  private detailsGeneration = 0;
  private published = new Map<string, Device>();
  private publishedServers = '';
  private seq = 0;
  private publishTokens = PUBLISH_BURST;
  private tokensRefilledAt = performance.now();
  private publishTimer?: NodeJS.Timeout;
  private publishImmediate?: NodeJS.Immediate;
  private forcePublish = false;
  private running = false;
  private focused = true;

  constructor(
    private readonly config: PollerConfig,
    private readonly sink: PollerSink,
  ) {
    for (const address of config.servers) {
      const endpoint = parseServerAddress(address);
      if (!endpoint) {
        sink.log('warn', `ignoring malformed adb server address ${JSON.stringify(address)} (expected host:port)`);
        continue;
      }
      if (this.watchers.has(address)) {
        continue;
      }
      const client = new AdbServerClient(address, endpoint, config.adbPath, config.requestTimeoutMs);
      const watcher = new ServerWatcher(client, config, {
        devices: (server, devices) => this.onDevices(server, devices),
        status: (state) => this.onStatus(state),
        log: (level, message) => sink.log(level, message),
      });
      this.watchers.set(address, { client, watcher });
      this.serverStates.set(address, watcher.serverState);
    }
  }

  start(): void {
    if (this.running) {
      return;
    }
    this.running = true;
    for (const { watcher } of this.watchers.values()) {
      watcher.start();
    }
  }

  /** Holds no connection and no timer while paused; the last snapshot stays as it was. */
  pause(): void {
    this.running = false;
    for (const { watcher } of this.watchers.values()) {
      watcher.stop();
    }
    this.detailsQueue.length = 0;
    clearTimeout(this.detailsTimer);
    this.detailsTimer = undefined;
    this.detailsDeferredSince = undefined;
    this.detailsGeneration++;
    this.detailsRunning = 0;
    for (const entry of this.details.values()) {
      entry.inFlight = false;
    }
    clearTimeout(this.publishTimer);
    this.publishTimer = undefined;
    if (this.publishImmediate) {
      clearImmediate(this.publishImmediate);
      this.publishImmediate = undefined;
    }
  }

  /** A fresh snapshot follows as soon as the servers answer, even if nothing changed. */
  resume(): void {
    this.forcePublish = true;
    this.start();
  }

  refresh(): void {
    this.forcePublish = true;
    for (const { watcher } of this.watchers.values()) {
      watcher.refresh();
    }
  }

  stop(): void {
    this.pause();
  }

  /**
   * The window's focus sets the poll's pace: in the background the push stream still shows a new
   * device at once, and the poll (a vanished TCP device, an `unauthorized` change) may wait; on
   * focus every server is polled at once, so what the slower pace missed shows now.
   */
  setFocused(focused: boolean): void {
    if (focused === this.focused) {
      return;
    }
    this.focused = focused;
    const intervalMs = focused ? this.config.pollIntervalMs : backgroundPollIntervalMs(this.config);
    this.sink.log('debug', `the window is ${focused ? 'focused' : 'in the background'}: polling every ${intervalMs} ms`);
    for (const { watcher } of this.watchers.values()) {
      watcher.setPollInterval(intervalMs);
      if (focused) {
        watcher.pollNow();
      }
    }
  }

  /** Runs a user's adb command on one server; the device lists then follow by push and poll. */
  async runCommand(command: AdbCommand): Promise<CommandResult> {
    const entry = this.watchers.get(command.server);
    if (!entry) {
      return { ok: false, message: `not watching an adb server at ${command.server}` };
    }
    try {
      if (command.kind === 'start-server') {
        if (!isLoopbackHost(entry.client.endpoint.host)) {
          return { ok: false, message: `${command.server} is not on this machine: start its adb server there` };
        }
        this.sink.log('info', `adb server ${command.server}: starting it on request (${this.config.adbPath} -P ${entry.client.endpoint.port} start-server)`);
        await entry.client.startServer();
        entry.watcher.refresh();
        return { ok: true, message: `started the adb server at ${command.server}` };
      }
      if (command.kind === 'version') {
        const version = await entry.client.serverVersion();
        return Number.isFinite(version) ? { ok: true, message: String(version) } : { ok: false, message: 'unreadable version' };
      }
      if (command.kind === 'host-service') {
        return await this.runHostService(entry, command);
      }
      const reply =
        command.kind === 'connect' ? await entry.client.connectDevice(command.address) : await entry.client.disconnectDevice(command.serial);
      // adb says "connected to X" / "already connected to X" / "disconnected X"; anything else failed.
      const ok = /^(connected to|already connected to|disconnected)\b/.test(reply);
      entry.watcher.refresh();
      return { ok, message: reply || (ok ? 'done' : 'no answer') };
    } catch (error) {
      return { ok: false, message: describeAdbError(error, command.server, this.config.adbPath, this.config.requestTimeoutMs) };
    }
  }

  /** A capability's host service: the reply's text is the capability's to read. */
  private async runHostService(
    entry: { client: AdbServerClient; watcher: ServerWatcher },
    command: Extract<AdbCommand, { kind: 'host-service' }>,
  ): Promise<CommandResult> {
    const label = command.secret ? command.service.split(command.secret).join('…') : command.service;
    try {
      const { text, failed } = await entry.client.hostService(command.service, { deadlineMs: command.deadlineMs, secret: command.secret });
      if (command.refreshAfter) entry.watcher.refresh();
      return { ok: !failed, message: text };
    } catch (error) {
      if (isUnknownServiceError(error)) return { ok: false, unsupported: true, message: `the adb server at ${command.server} does not know ${label}` };
      if (error instanceof HostServiceTimeout) return { ok: false, timedOut: true, message: error.message };
      throw error;
    }
  }

  private onDevices(server: string, devices: Device[]): void {
    // The watcher hands back the same array for a reply with the same text: nothing to publish.
    const unchanged = this.listed.get(server) === devices;
    if (!unchanged) {
      this.lastListAt = performance.now();
      this.listed.set(server, devices);
    }
    for (const device of devices) {
      this.queueDetailsIfNeeded(device);
    }
    if (!unchanged || this.forcePublish) {
      this.schedulePublish();
    }
  }

  private onStatus(state: ServerState): void {
    this.serverStates.set(state.address, state);
    this.schedulePublish();
  }

  private queueDetailsIfNeeded(device: Device): void {
    if (device.state !== 'device') {
      return;
    }
    const transportId = device.transportId ?? '';
    const entry = this.details.get(device.id);
    // A booting emulator is read again with each list (each poll) until its boot completes.
    const settled = entry?.details && !entry.details.booting;
    if (entry && entry.transportId === transportId && (settled || entry.inFlight || entry.failures >= MAX_DETAILS_FAILURES)) {
      return;
    }
    const fresh: DetailsEntry =
      entry && entry.transportId === transportId ? entry : { transportId, inFlight: false, failures: 0 };
    fresh.inFlight = true;
    this.details.set(device.id, fresh);
    this.detailsQueue.push(device);
    this.pumpDetails();
  }

  private pumpDetails(): void {
    if (this.detailsQueue.length === 0 || !this.running) {
      return;
    }
    const now = performance.now();
    const quietFor = now - this.lastListAt;
    this.detailsDeferredSince ??= now;
    if (quietFor < DETAILS_QUIET_MS && now - this.detailsDeferredSince < DETAILS_MAX_DEFER_MS) {
      if (!this.detailsTimer) {
        this.detailsTimer = setTimeout(() => {
          this.detailsTimer = undefined;
          this.pumpDetails();
        }, DETAILS_QUIET_MS - quietFor);
      }
      return;
    }
    this.detailsDeferredSince = undefined;
    while (this.running && this.detailsRunning < DETAILS_CONCURRENCY && this.detailsQueue.length > 0) {
      const device = this.detailsQueue.shift()!;
      const watcher = this.watchers.get(device.server);
      const entry = this.details.get(device.id);
      if (!watcher || !entry || entry.transportId !== (device.transportId ?? '')) {
        continue;
      }
      this.detailsRunning++;
      const generation = this.detailsGeneration;
      watcher.client.fetchDetails(device.serial, device.transportId).then(
        (details) => {
          if (generation !== this.detailsGeneration) {
            return;
          }
          entry.details = details;
          this.finishDetails(entry);
        },
        (error: Error) => {
          if (generation !== this.detailsGeneration) {
            return;
          }
          entry.failures++;
          this.sink.log('debug', `details of ${device.serial} not read (${error.message}); attempt ${entry.failures}`);
          this.finishDetails(entry);
        },
      );
    }
  }

  private finishDetails(entry: DetailsEntry): void {
    entry.inFlight = false;
    this.detailsRunning--;
    this.schedulePublish();
    this.pumpDetails();
  }

  /** At once while the burst allowance lasts (a token bucket), then one message per window. */
  private schedulePublish(): void {
    if (!this.running || this.publishTimer || this.publishImmediate) {
      return;
    }
    this.refillPublishTokens();
    if (this.publishTokens >= 1) {
      // setImmediate still groups everything that arrived in the same I/O turn.
      this.publishImmediate = setImmediate(() => {
        this.publishImmediate = undefined;
        this.publish();
      });
    } else {
      const wait = this.tokensRefilledAt + this.publishWindowMs - performance.now();
      this.publishTimer = setTimeout(() => {
        this.publishTimer = undefined;
        this.publish();
      }, Math.max(0, wait));
    }
  }

  /** Larger lists cost more to send and to redraw: one message per window grows with the list. */
  private get publishWindowMs(): number {
    return this.config.coalesceMs * Math.max(1, this.published.size / DEVICES_PER_WINDOW);
  }

  private refillPublishTokens(): void {
    const now = performance.now();
    const earned = Math.floor((now - this.tokensRefilledAt) / this.publishWindowMs);
    if (earned > 0) {
      this.publishTokens = Math.min(PUBLISH_BURST, this.publishTokens + earned);
      this.tokensRefilledAt = now;
    }
  }

  private publish(): void {
    const current = new Map<string, Device>();
    for (const devices of this.listed.values()) {
      for (const listed of devices) {
        const entry = this.details.get(listed.id);
        const device: Device =
          entry?.details && entry.transportId === (listed.transportId ?? '') ? { ...listed, details: entry.details } : listed;
        current.set(device.id, device);
      }
    }
    // Details of devices that are gone are dropped: a device that returns has a new transport id.
    for (const [id, entry] of this.details) {
      if (!current.has(id) && !entry.inFlight) {
        this.details.delete(id);
      }
    }
    const changes = diffDevices(this.published, current);
    const servers = [...this.serverStates.values()];
    const serversKey = JSON.stringify(servers.map(({ address, status, error, problem }) => [address, status, error, problem]));
    if (!hasChanges(changes) && serversKey === this.publishedServers && !this.forcePublish) {
      return;
    }
    this.forcePublish = false;
    this.published = current;
    this.publishedServers = serversKey;
    this.refillPublishTokens();
    if (this.publishTokens >= 1) {
      this.publishTokens -= 1;
    } else {
      // A window's timer may fire a hair early, before its token is earned: this publish spends
      // that window, so the next one waits a whole window.
      this.tokensRefilledAt = performance.now();
    }
    const devices = [...current.values()].sort((a, b) => a.server.localeCompare(b.server) || a.serial.localeCompare(b.serial));
    this.sink.snapshot({ seq: ++this.seq, at: Date.now(), devices, servers }, changes);
  }
}
