// Every message between the extension host and the poller worker, in one place (the types they
// carry are in shared/types.ts).
// Bump PROTOCOL_VERSION on any incompatible change; the host refuses a worker that answers
// `ready` with another version (a stale bundle after an update).

import { AdbCommand, CommandResult, DeviceChanges, LogLevel, PollerConfig, Snapshot } from '../shared/types';
import { DeviceServiceHostMessage, DeviceServiceWorkerMessage } from './deviceServiceProtocol';

export const PROTOCOL_VERSION = 2;

export interface WorkerData {
  config: PollerConfig;
  /** Open no connection until a `resume` arrives (a paused poller restarted with new settings). */
  startPaused?: boolean;
  /** Opaque to the product: for a worker entry that wraps this one (tests). Never read here. */
  extra?: unknown;
}

// host -> worker
export type HostMessage =
  | { type: 'adb-command'; id: number; command: AdbCommand }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'refresh' }
  | { type: 'stop' }
  | { type: 'ping'; id: number }
  | DeviceServiceHostMessage;

// worker -> host
export type WorkerMessage =
  | { type: 'ready'; protocolVersion: number }
  | { type: 'snapshot'; snapshot: Snapshot; changes: DeviceChanges }
  | { type: 'paused' }
  | { type: 'resumed' }
  | { type: 'stopped' }
  | { type: 'pong'; id: number }
  | ({ type: 'adb-command-result'; id: number } & CommandResult)
  | { type: 'log'; level: LogLevel; message: string }
  | DeviceServiceWorkerMessage;
