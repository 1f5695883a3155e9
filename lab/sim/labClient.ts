// What tests, benchmarks and the CLI use: a DeviceLab running in its own child process.

import { ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';
import type { SimDeviceInfo, SimDeviceOptions, SimDeviceState } from './deviceLab';
import { LAB_PROTOCOL_VERSION, LabMessage, LabOperation, LabRequest, LabResult } from './labProcess';

export type { SimDeviceInfo, SimDeviceOptions, SimDeviceState } from './deviceLab';

const LAB_ENTRY = path.join(__dirname, 'labProcess.js');
const READY_TIMEOUT_MS = 15_000;
const KILL_GRACE_MS = 2_000;

interface PendingRequest {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

export class SimulatedLab {
  private readonly pending = new Map<number, PendingRequest>();
  private nextRequestId = 1;
  private exitReason: string | undefined;
  private readonly exited: Promise<void>;
  private closing: Promise<void> | undefined;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitReason = `lab process exited (code ${code}, signal ${signal})`;
        for (const request of this.pending.values()) request.reject(new Error(this.exitReason));
        this.pending.clear();
        resolve();
      });
    });
    child.on('message', (message: LabMessage) => {
      if (message.type !== 'reply') return;
      const request = this.pending.get(message.id);
      if (!request) return;
      this.pending.delete(message.id);
      if (message.ok) request.resolve(message.result);
      else request.reject(new Error(message.error));
    });
  }

  static async start(): Promise<SimulatedLab> {
    // No inherited --inspect or loader flags: the lab is plain compiled JavaScript.
    const child = fork(LAB_ENTRY, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const lab = new SimulatedLab(child);
    try {
      await waitForReady(child);
    } catch (error) {
      await lab.close();
      throw error;
    }
    return lab;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  addDevice(options: SimDeviceOptions = {}): Promise<SimDeviceInfo> {
    return this.request('addDevice', options);
  }

  /** Adds devices one after another, so the defaults vary in a predictable order. */
  async addDevices(count: number, options: SimDeviceOptions = {}): Promise<SimDeviceInfo[]> {
    const devices: SimDeviceInfo[] = [];
    for (let i = 0; i < count; i++) devices.push(await this.addDevice({ ...options, port: undefined }));
    return devices;
  }

  /** The user taps "Allow": an unauthorized device answers its pending handshake with CNXN. */
  authorize(port: number): Promise<void> {
    return this.request('authorize', port);
  }

  /** Takes effect on the next adb connection to the device. */
  setState(port: number, state: SimDeviceState): Promise<void> {
    return this.request('setState', port, state);
  }

  /** Closes the listener and every open connection: adb sees the TCP device vanish. */
  unplug(port: number): Promise<void> {
    return this.request('unplug', port);
  }

  /** Listens again on the same port; adb still has to (re)connect to it. */
  replug(port: number): Promise<void> {
    return this.request('replug', port);
  }

  remove(port: number): Promise<void> {
    return this.request('remove', port);
  }

  /** How many `getprop` shell streams the device has served. */
  getpropCount(port: number): Promise<number> {
    return this.request('getpropCount', port);
  }

  /** Payload bytes the device has written to the adb server (WRTE), over all its streams. */
  bytesWritten(port: number): Promise<number> {
    return this.request('bytesWritten', port);
  }

  /** Services open on the device now: one the adb server has not closed (CLSE) and the device has not ended. */
  openStreams(port: number): Promise<number> {
    return this.request('openStreams', port);
  }

  /** What a test does to a device through one of its capabilities' controls (lab/sim/capabilities.ts). */
  control<T = unknown>(port: number, capability: string, action: string, payload?: unknown): Promise<T> {
    return this.request('control', port, capability, action, payload) as Promise<T>;
  }

  /** Kills the lab process; every simulated device vanishes with it. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.killChild();
    return this.closing;
  }

  private async killChild(): Promise<void> {
    if (this.exitReason === undefined) {
      this.child.kill('SIGTERM');
      const forceKill = setTimeout(() => this.child.kill('SIGKILL'), KILL_GRACE_MS);
      await this.exited;
      clearTimeout(forceKill);
    }
  }

  private request<Op extends LabOperation>(op: Op, ...args: LabRequest<Op>['args']): Promise<LabResult<Op>> {
    if (this.exitReason !== undefined || this.closing) {
      return Promise.reject(new Error(this.exitReason ?? 'lab is closed'));
    }
    const id = this.nextRequestId++;
    const message: LabRequest<Op> = { type: 'request', id, op, args };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      this.child.send(message, (error) => {
        if (!error) return;
        this.pending.delete(id);
        reject(error);
      });
    });
  }
}

function waitForReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    const fail = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onMessage = (message: LabMessage) => {
      if (message.type !== 'ready') return;
      if (message.version !== LAB_PROTOCOL_VERSION) {
        fail(new Error(`lab process speaks protocol ${message.version}, expected ${LAB_PROTOCOL_VERSION}`));
        return;
      }
      cleanup();
      resolve();
    };
    const onExit = (code: number | null, signal: string | null) =>
      fail(new Error(`lab process exited before it was ready (code ${code}, signal ${signal})`));
    const onError = (error: Error) => fail(error);
    const timer = setTimeout(() => fail(new Error(`lab process not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}
