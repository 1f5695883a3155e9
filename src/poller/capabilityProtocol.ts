// The messages of capabilities' worker parts, part of the worker protocol (protocol.ts joins them
// to its unions): a capability that needs work off the host thread (parsing a fast log, say)
// ships a worker part (workerCapabilities.ts) and talks to it through these, routed by its name.
// The payload is the capability's own; the worker only routes it. Both sides import this file.

/** One message for a capability, either way; `id` is the capability's own (a job, a reply). */
export interface CapabilityMessage<T = unknown> {
  id?: number;
  payload: T;
}

/** Why a capability's worker part stopped all its work (the host channel's onWorkerEnd). */
export interface CapabilityWorkerEnd {
  reason: 'paused' | 'stopped' | 'killed' | 'crashed';
  message: string;
}

// host -> worker
export type CapabilityHostMessage = { type: 'capability'; name: string } & CapabilityMessage;

// worker -> host
export type CapabilityWorkerMessage =
  | ({ type: 'capability'; name: string } & CapabilityMessage)
  /** The worker could not hand a message to the capability: no such name, the watcher paused, the capability threw. */
  | { type: 'capability-error'; name: string; id?: number; message: string };
