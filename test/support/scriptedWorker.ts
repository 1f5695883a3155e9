// A tiny worker that speaks the host protocol and misbehaves on request, for the supervisor's
// fast tests. Its script comes in `workerData.extra` (ScriptedWorkerOptions); it reads
// `workerData.startPaused` and `workerData.background` like the product's worker. It logs what it does, so tests wait on
// log lines instead of sleeping. Importing this module in the main thread does nothing.

import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { HostMessage, PROTOCOL_VERSION, WorkerData, WorkerMessage } from '../../src/poller/protocol';

export interface ScriptedWorkerOptions {
  /** Say `ready` after this many ms (default at once). */
  readyAfterMs?: number;
  /** Never say `ready`. */
  neverReady?: boolean;
  /** Say `ready` with this protocol version. */
  protocolVersion?: number;
  /** Say `ready` twice, then log `ready sent twice`. */
  readyTwice?: boolean;
  /** Ignore `stop` (a hung stop: only the deadline's terminate ends it). */
  ignoreStop?: boolean;
  /** Never answer pings (a hung event loop as far as the watchdog can tell). */
  ignorePings?: boolean;
  /** Log `ping <id> received` for every ping, and `pong <id>` when it is answered. */
  logPings?: boolean;
  /** Answer each ping this many ms after it arrived (a healthy but busy worker). */
  pongAfterMs?: number;
  /** Throw this many ms after start. */
  crashAfterMs?: number;
  /** Send a log line with a level the host does not know, after ready. */
  oddLogLevel?: boolean;
}

/** This file, compiled (out/test/support/scriptedWorker.js). */
export const SCRIPTED_WORKER_SCRIPT = __filename;

if (!isMainThread && parentPort) {
  const port = parentPort;
  const data = workerData as WorkerData;
  const script = (data.extra ?? {}) as ScriptedWorkerOptions;
  const post = (message: WorkerMessage) => port.postMessage(message);
  const log = (message: string) => post({ type: 'log', level: 'debug', message });
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, action: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  };
  let seq = 0;
  const open = () => {
    log('scripted worker: watching');
    post({ type: 'snapshot', snapshot: { seq: ++seq, at: Date.now(), devices: [], servers: [] }, changes: { added: [], removed: [], changed: [] } });
  };

  const onMessage = (message: HostMessage) => {
    switch (message.type) {
      case 'ping': {
        if (script.logPings) log(`ping ${message.id} received`);
        if (script.ignorePings) break;
        const pong = () => {
          post({ type: 'pong', id: message.id });
          if (script.logPings) log(`pong ${message.id}`);
        };
        if (script.pongAfterMs) later(script.pongAfterMs, pong);
        else pong();
        break;
      }
      case 'pause':
        log('scripted worker: paused');
        post({ type: 'paused' });
        break;
      case 'resume':
        open();
        post({ type: 'resumed' });
        break;
      case 'refresh':
        log('scripted worker: refreshed');
        break;
      case 'focus':
        log(`scripted worker: focused ${message.focused}`);
        break;
      case 'adb-command':
        post({ type: 'adb-command-result', id: message.id, ok: true, message: `scripted ${message.command.kind}` });
        break;
      case 'capability':
        // Every capability echoes.
        post({ type: 'capability', name: message.name, id: message.id, payload: message.payload });
        break;
      case 'stop':
        if (script.ignoreStop) {
          log('scripted worker: ignoring stop');
          break;
        }
        for (const timer of timers) clearTimeout(timer);
        post({ type: 'stopped' });
        port.off('message', onMessage);
        port.unref();
        break;
    }
  };
  port.on('message', onMessage);

  const ready = () => {
    post({ type: 'ready', protocolVersion: script.protocolVersion ?? PROTOCOL_VERSION });
    if (script.readyTwice) {
      post({ type: 'ready', protocolVersion: script.protocolVersion ?? PROTOCOL_VERSION });
      log('ready sent twice');
    }
    if (script.oddLogLevel) {
      port.postMessage({ type: 'log', level: 'verbose', message: 'a line at an odd level' });
    }
    if (data.background) {
      log('scripted worker: started in the background');
    }
    if (data.startPaused) {
      log('scripted worker: started paused');
    } else {
      open();
    }
  };
  if (!script.neverReady) {
    if (script.readyAfterMs) later(script.readyAfterMs, ready);
    else ready();
  } else {
    // Stays alive, silent, until terminated.
    later(60_000, () => undefined);
  }
  if (script.crashAfterMs !== undefined) {
    later(script.crashAfterMs, () => {
      throw new Error('scripted worker crashed on purpose');
    });
  }
}
