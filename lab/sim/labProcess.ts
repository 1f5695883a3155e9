// Child-process entry hosting a DeviceLab, driven over the IPC channel by SimulatedLab.
// The devices live here, not in the test process, so a test that blocks its own event loop
// (or awaits something the server waits on) can never leave the adb server without an answer.
//
// Every message between SimulatedLab and this process is declared below; importing this module
// for them does not start a lab (only running it as the main module does).

import { DeviceLab } from './deviceLab';

export const LAB_PROTOCOL_VERSION = 1;

export const LAB_OPERATIONS = ['addDevice', 'authorize', 'setState', 'unplug', 'replug', 'remove', 'getpropCount', 'bytesWritten', 'openStreams', 'control'] as const;
export type LabOperation = (typeof LAB_OPERATIONS)[number];

export interface LabRequest<Op extends LabOperation = LabOperation> {
  type: 'request';
  id: number;
  op: Op;
  args: Parameters<DeviceLab[Op]>;
}

export type LabResult<Op extends LabOperation> = Awaited<ReturnType<DeviceLab[Op]>>;

export type LabReply =
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };

export interface LabReady {
  type: 'ready';
  version: number;
}

export type LabMessage = LabReply | LabReady;

function isLabRequest(message: unknown): message is LabRequest {
  const candidate = message as Partial<LabRequest> | null;
  return (
    candidate?.type === 'request' &&
    typeof candidate.id === 'number' &&
    Array.isArray(candidate.args) &&
    (LAB_OPERATIONS as readonly string[]).includes(candidate.op as string)
  );
}

function serveLab(send: (message: LabMessage) => void): void {
  const lab = new DeviceLab();

  process.on('message', async (message: unknown) => {
    if (!isLabRequest(message)) return;
    const operation = lab[message.op] as (...args: unknown[]) => unknown;
    try {
      const result = await operation.apply(lab, message.args);
      send({ type: 'reply', id: message.id, ok: true, result });
    } catch (error) {
      send({ type: 'reply', id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  });

  // The parent went away (exit, crash or SIGKILL): nobody can drive or close the lab any more.
  process.on('disconnect', () => {
    void lab.close().finally(() => process.exit(0));
  });
  // Ctrl-C reaches the whole process group; the parent decides when the lab stops.
  process.on('SIGINT', () => undefined);

  send({ type: 'ready', version: LAB_PROTOCOL_VERSION });
}

if (require.main === module) {
  if (process.send) {
    const send = process.send.bind(process);
    serveLab((message) => {
      if (process.connected) send(message);
    });
  } else {
    console.error('labProcess must be started with child_process.fork (it needs an IPC channel)');
    process.exitCode = 1;
  }
}
