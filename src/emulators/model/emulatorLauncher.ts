// Starts an emulator for an AVD, detached so that it outlives the window, with an argument list
// (never a shell) and a console port chosen up front, so its adb serial (`emulator-<port>`) is known
// before adb sees it. Its output goes to a log file of its own: an emulator that exits early (no
// hardware acceleration, a broken image) is reported with its exit code and last lines.

import { ChildProcess, spawn } from 'node:child_process';
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
  /** The emulator's environment (ANDROID_ADB_SERVER_PORT names the adb server it registers with). */
  env?: NodeJS.ProcessEnv;
}

export interface EmulatorExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines of this launch's output. */
  lastLines: string[];
}

export interface LaunchedEmulator {
  serial: string;
  consolePort: number;
  args: string[];
  logFile: string;
  /** Settles when the process ends, with its exit code (or signal) and the log's last lines. */
  exited: Promise<EmulatorExit>;
}

/** The emulator's console ports: even, 5554 to 5682 (adb scans 5555-5585 by default). */
export const FIRST_CONSOLE_PORT = 5554;
export const LAST_CONSOLE_PORT = 5682;
const DEFAULT_ADB_SERVER_PORT = 5037;
const LAST_LINES = 12;

/**
 * Console ports handed to emulators of this process that have not exited. An emulator binds its
 * ports seconds after it starts, so a probe alone would give a second launch the same port.
 */
const promisedPorts = new Set<number>();

export function emulatorArgs(options: Pick<LaunchOptions, 'avd' | 'coldBoot' | 'wipeData' | 'extraArgs'>, consolePort: number): string[] {
  const args = ['-avd', options.avd, '-port', String(consolePort)];
  if (options.coldBoot) args.push('-no-snapshot-load');
  if (options.wipeData) args.push('-wipe-data');
  return [...args, ...(options.extraArgs ?? [])];
}

/**
 * The adb server an emulator registers with, by the emulator's own rule: 127.0.0.1 on
 * ANDROID_ADB_SERVER_PORT, else 5037; undefined when that variable is not a port (it registers
 * nowhere).
 */
export function emulatorAdbServerPort(env: NodeJS.ProcessEnv): number | undefined {
  const value = env.ANDROID_ADB_SERVER_PORT;
  if (value === undefined || value === '') return DEFAULT_ADB_SERVER_PORT;
  const port = Number(value);
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

/** A free console port: not listed by adb, not promised to a launch, and nothing answers on it or on the adb port above it. */
export async function freeConsolePort(inUse: ReadonlySet<number>): Promise<number | undefined> {
  for (let port = FIRST_CONSOLE_PORT; port <= LAST_CONSOLE_PORT; port += 2) {
    if (inUse.has(port) || promisedPorts.has(port)) continue;
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

/** A free console port, promised to the caller until it calls the returned release. */
async function promiseConsolePort(inUse: ReadonlySet<number>): Promise<{ port: number; release: () => void }> {
  for (;;) {
    const port = await freeConsolePort(inUse);
    if (port === undefined) throw new Error(`no free emulator console port from ${FIRST_CONSOLE_PORT} to ${LAST_CONSOLE_PORT}`);
    // Another launch may have taken it while this one probed.
    if (promisedPorts.has(port)) continue;
    promisedPorts.add(port);
    return { port, release: () => promisedPorts.delete(port) };
  }
}

/**
 * Resolves once the process runs; rejects with the reason it could not be started (missing,
 * not executable, a `.bat` that needs a shell), which is then the launch's only report.
 */
export async function launchEmulator(options: LaunchOptions): Promise<LaunchedEmulator> {
  const { port: consolePort, release } = await promiseConsolePort(options.portsInUse);
  try {
    const args = emulatorArgs(options, consolePort);
    await fs.mkdir(options.logFolder, { recursive: true });
    // One file per launch: a later launch on the same port must not rewrite this one's output.
    const logFile = path.join(options.logFolder, `emulator-${consolePort}-${Date.now()}.log`);
    const log = openSync(logFile, 'wx');
    let child: ChildProcess;
    try {
      child = spawn(options.emulatorPath, args, { detached: true, stdio: ['ignore', log, log], windowsHide: true, env: options.env });
    } catch (error) {
      // Some refusals are thrown at once (a `.bat` on Windows), others come as an `error` event.
      throw spawnError(options.emulatorPath, error as Error);
    } finally {
      closeSync(log);
    }
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) => reject(spawnError(options.emulatorPath, error)));
    });
    const exited = new Promise<EmulatorExit>((resolve) => {
      child.once('exit', (code, signal) => {
        release();
        void lastLines(logFile).then((lines) => resolve({ code, signal, lastLines: lines }));
      });
    });
    // The emulator outlives the window: the extension host must not wait for it.
    child.unref();
    return { serial: `emulator-${consolePort}`, consolePort, args, logFile, exited };
  } catch (error) {
    release();
    throw error;
  }
}

/** Node's words (`spawn X EACCES`), with what a user can do about the one that needs it. */
function spawnError(file: string, error: Error): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EINVAL' && /\.(bat|cmd)$/i.test(file)) {
    return new Error(`${error.message}: a .bat or .cmd file needs a shell, which is never used; name emulator.exe instead`);
  }
  return error;
}

async function lastLines(file: string): Promise<string[]> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.split(/\r?\n/).filter((line) => line.trim() !== '').slice(-LAST_LINES);
}
