// Starts an emulator for an AVD, detached so that it outlives the window, with an argument list
// (never a shell) and a console port chosen up front, so its adb serial (`emulator-<port>`) is known
// before adb sees it. Its output goes to a log file: an emulator that exits early (no hardware
// acceleration, a broken image) is reported with its exit code and last lines.

import { spawn } from 'node:child_process';
import { promises as fs, openSync, closeSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export interface LaunchOptions {
  emulatorPath: string;
  avd: string;
  /** Start from scratch, not from the quick-boot snapshot. */
  coldBoot?: boolean;
  /** Erase user data first. */
  wipeData?: boolean;
  /** From the user's setting, passed as separate arguments, never through a shell. */
  extraArgs?: readonly string[];
  /** Console ports adb already lists (`emulator-5554` -> 5554), not to be reused. */
  portsInUse: ReadonlySet<number>;
  logFolder: string;
}

export interface LaunchedEmulator {
  serial: string;
  consolePort: number;
  args: string[];
  logFile: string;
  /** Settles when the process ends, with its exit code (or signal) and the log's last lines. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; lastLines: string[] }>;
}

/** The emulator's console ports: even, 5554 to 5682 (adb scans 5555-5585 by default). */
export const FIRST_CONSOLE_PORT = 5554;
export const LAST_CONSOLE_PORT = 5682;
const LAST_LINES = 12;

export function emulatorArgs(options: Pick<LaunchOptions, 'avd' | 'coldBoot' | 'wipeData' | 'extraArgs'>, consolePort: number): string[] {
  const args = ['-avd', options.avd, '-port', String(consolePort)];
  if (options.coldBoot) args.push('-no-snapshot-load');
  if (options.wipeData) args.push('-wipe-data');
  return [...args, ...(options.extraArgs ?? [])];
}

/** A free console port: not listed by adb, and nothing answers on it or on the adb port above it. */
export async function freeConsolePort(inUse: ReadonlySet<number>): Promise<number | undefined> {
  for (let port = FIRST_CONSOLE_PORT; port <= LAST_CONSOLE_PORT; port += 2) {
    if (inUse.has(port)) continue;
    if (!(await answers(port)) && !(await answers(port + 1))) return port;
  }
  return undefined;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(500, () => done(true));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function launchEmulator(options: LaunchOptions): Promise<LaunchedEmulator> {
  const consolePort = await freeConsolePort(options.portsInUse);
  if (consolePort === undefined) throw new Error(`no free emulator console port from ${FIRST_CONSOLE_PORT} to ${LAST_CONSOLE_PORT}`);
  const args = emulatorArgs(options, consolePort);
  await fs.mkdir(options.logFolder, { recursive: true });
  const logFile = path.join(options.logFolder, `emulator-${consolePort}.log`);
  const log = openSync(logFile, 'w');
  const child = (() => {
    try {
      return spawn(options.emulatorPath, args, { detached: true, stdio: ['ignore', log, log], windowsHide: true });
    } finally {
      closeSync(log);
    }
  })();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; lastLines: string[] }>((resolve) => {
    const finish = async (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal, lastLines: await lastLines(logFile) });
    child.once('error', (error) => {
      void fs.appendFile(logFile, `${error.message}\n`).finally(() => finish(null, null));
    });
    child.once('exit', (code, signal) => void finish(code, signal));
  });
  // The emulator outlives the window: the extension host must not wait for it.
  child.unref();
  return { serial: `emulator-${consolePort}`, consolePort, args, logFile, exited };
}

async function lastLines(file: string): Promise<string[]> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.split(/\r?\n/).filter((line) => line.trim() !== '').slice(-LAST_LINES);
}
