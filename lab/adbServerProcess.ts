// A real adb server process of our own, on a free port with its own HOME, for tests, benchmarks
// and demos: start, kill, restart, stop. It never touches an adb server it did not start: it
// refuses a port that already answers. Killed when this process exits without stopping it.

import { execFile } from 'node:child_process';
import { promises as fs, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { AdbHostClient } from './adbHostClient';
import { findFreePort, portAnswers } from './ports';
import { waitUntil } from './wait';

const execFileAsync = promisify(execFile);

/**
 * The adb the lab's servers run: `LAB_ADB` names another build (the test matrix's newer adb, from
 * `scripts/newer-adb.sh`), otherwise the one on PATH.
 */
export const ADB_BIN = process.env.LAB_ADB || 'adb';
const ADB_COMMAND_TIMEOUT_MS = 20_000;
const PORT_RELEASE_TIMEOUT_MS = 5_000;
const POLL_INTERVAL_MS = 20;

/** Variables that would point adb at another server, serial or key store than ours. */
const INHERITED_ADB_VARIABLES = [
  'ANDROID_ADB_SERVER_PORT',
  'ANDROID_ADB_SERVER_ADDRESS',
  'ADB_SERVER_SOCKET',
  'ANDROID_SERIAL',
  'ANDROID_SDK_HOME',
  'ANDROID_USER_HOME',
  'ADB_VENDOR_KEYS',
  'ADB_LOCAL_TRANSPORT_MAX_PORT',
];

/**
 * The platform-tools release of the lab's adb, from `adb version`'s "Version 34.0.5-debian" line
 * (29 for Debian 12's 29.0.6): tests assert what that release answers. Read once.
 */
let labAdbReleaseRead: Promise<number> | undefined;
export function labAdbRelease(): Promise<number> {
  labAdbReleaseRead ??= execFileAsync(ADB_BIN, ['version'], { timeout: ADB_COMMAND_TIMEOUT_MS }).then(({ stdout }) => {
    const release = /^Version (\d+)\./m.exec(stdout);
    if (!release) throw new Error(`${ADB_BIN} version printed no "Version N.x" line: ${stdout}`);
    return Number(release[1]);
  });
  return labAdbReleaseRead;
}

export async function adbAvailable(): Promise<boolean> {
  try {
    await execFileAsync(ADB_BIN, ['version'], { timeout: ADB_COMMAND_TIMEOUT_MS });
    return true;
  } catch {
    return false;
  }
}

/**
 * Servers this process started and has not killed, by pid. If the process exits without
 * stopping them (process.exit, a crash), they are killed on the way out rather than left idling.
 * A death by signal runs no exit hook: those servers stay, findable by their `adb-home-` HOME.
 */
const serversToKillOnExit = new Map<PrivateAdbServer, number>();
let exitHookInstalled = false;

function killServersLeftAtExit(): void {
  for (const [server, pid] of serversToKillOnExit) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
    rmSync(server.home, { recursive: true, force: true });
  }
}

/** The pid the server wrote at start-up into its own log (one log per server: TMPDIR is its HOME). */
async function readServerPid(home: string): Promise<number | undefined> {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  try {
    const log = await fs.readFile(path.join(home, `adb.${uid}.log`), 'utf8');
    const starts = [...log.matchAll(/--- adb starting \(pid (\d+)\) ---/g)];
    return starts.length > 0 ? Number(starts[starts.length - 1][1]) : undefined;
  } catch {
    return undefined;
  }
}

/** A real adb server of our own: free port, own HOME, no emulator scan, USB or mDNS. */
export class PrivateAdbServer extends AdbHostClient {
  readonly env: NodeJS.ProcessEnv;
  private stopping: Promise<void> | undefined;

  private constructor(
    port: number,
    readonly home: string,
  ) {
    super(port);
    this.env = serverEnvironment(port, home);
  }

  /**
   * A server someone else started on our behalf (e.g. the watcher, allowed to start one) on this
   * port with this HOME: to kill it and remove the HOME with stop(), on that port only.
   */
  static adopt(port: number, home: string): PrivateAdbServer {
    return new PrivateAdbServer(port, home);
  }

  static async start(options: { port?: number } = {}): Promise<PrivateAdbServer> {
    const port = options.port ?? (await findFreePort());
    const home = await fs.mkdtemp(path.join(os.tmpdir(), 'adb-home-'));
    const server = new PrivateAdbServer(port, home);
    try {
      await server.startServer();
    } catch (error) {
      await fs.rm(home, { recursive: true, force: true });
      throw error;
    }
    return server;
  }

  /** Runs the adb CLI against this server only. */
  runAdb(args: readonly string[], timeoutMs = ADB_COMMAND_TIMEOUT_MS): Promise<{ stdout: string; stderr: string }> {
    return execFileAsync(ADB_BIN, ['-P', String(this.port), ...args], { env: this.env, timeout: timeoutMs });
  }

  /** `adb kill-server`, then waits until the port refuses connections. */
  async kill(): Promise<void> {
    if (await portAnswers(this.port)) {
      try {
        await this.runAdb(['kill-server']);
      } catch {
        // Already dying, or gone: the wait below is what counts.
      }
      await waitUntil(async () => !(await portAnswers(this.port)), PORT_RELEASE_TIMEOUT_MS, `the adb server on port ${this.port} to go after kill-server`, {
        everyMs: POLL_INTERVAL_MS,
      });
    }
    serversToKillOnExit.delete(this);
  }

  /** Kill, then start again on the same port and HOME (the server forgets its TCP devices). */
  async restart(): Promise<void> {
    if (this.stopping) throw new Error('adb server was stopped');
    await this.kill();
    await this.startServer();
  }

  /** Kills the server and removes its HOME. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      try {
        await this.kill();
      } finally {
        await fs.rm(this.home, { recursive: true, force: true });
      }
    })();
    return this.stopping;
  }

  private async startServer(): Promise<void> {
    if (await portAnswers(this.port)) {
      throw new Error(`port ${this.port} already answers: refusing to use an adb server this harness did not start`);
    }
    await this.runAdb(['start-server']).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') throw new Error(`${ADB_BIN} is not there: run \`npm run setup\` (or \`sudo apt-get install adb\`)`);
      throw error;
    });
    const pid = await readServerPid(this.home);
    if (pid === undefined) return;
    if (!exitHookInstalled) process.once('exit', killServersLeftAtExit);
    exitHookInstalled = true;
    serversToKillOnExit.set(this, pid);
  }
}

function serverEnvironment(port: number, home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of INHERITED_ADB_VARIABLES) delete env[name];
  return {
    ...env,
    HOME: home,
    // adb logs to $TMPDIR/adb.$UID.log: one log per server, removed with it, not one shared file.
    TMPDIR: home,
    ANDROID_ADB_SERVER_PORT: String(port),
    // No emulator port scan, no USB, no mDNS: the server sees only what a test connects.
    ADB_EMU: '0',
    ADB_USB: '0',
    ADB_MDNS: '0',
  };
}
