// Every message between the extension host and the poller worker, in one place (the types they
// carry are in shared/types.ts).
// Bump PROTOCOL_VERSION on any incompatible change; the host refuses a worker that answers
// `ready` with another version (a stale bundle after an update).

import { AdbCommand, CommandResult, DeviceChanges, LogLevel, PollerConfig, Snapshot } from '../core/types';
import { CapabilityHostMessage, CapabilityWorkerMessage } from './capabilityProtocol';
import { DeviceServiceHostMessage, DeviceServiceWorkerMessage } from './deviceServiceProtocol';

// 4: input to a device stream (`device-stream-write`, `device-stream-written`, `device-stream-end-input`);
//    capabilities' worker parts (`capability`, `capability-error`: capabilityProtocol.ts).
// 3: one `host-service` command for any host service (pairing's no longer named here).
// 2: `focus` and `background` in WorkerData; the device-service messages (deviceServiceProtocol.ts).
export const PROTOCOL_VERSION = 4;

export interface WorkerData {
  config: PollerConfig;
  /** Open no connection until a `resume` arrives (a paused poller restarted with new settings). */
  startPaused?: boolean;
  /** The window is in the background: poll at the background pace until `focus` says otherwise. */
  background?: boolean;
  /** Opaque to the product: for a worker entry that wraps this one (tests). Never read here. */
  extra?: unknown;
}

// host -> worker
export type HostMessage =
  | { type: 'adb-command'; id: number; command: AdbCommand }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'refresh' }
  /** The window's focus changed (sent only on a change): the poll's pace; gaining focus polls at once. */
  | { type: 'focus'; focused: boolean }
  | { type: 'stop' }
  | { type: 'ping'; id: number }
  | DeviceServiceHostMessage
  | CapabilityHostMessage;

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
  | DeviceServiceWorkerMessage
  | CapabilityWorkerMessage;
