// A throw-away code-server (VS Code's own server and web workbench) for tests: loopback only, no auth,
// every piece of state in a temp dir, one process group that stop() or this process's exit takes down.
import { spawn, type ChildProcess, type SpawnOptions } from 'child_process';
import { existsSync, mkdirSync, rmSync } from 'fs';
import * as fs from 'fs/promises';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';

// ---------------------------------------------------------------------------------------------
// Process hygiene shared by the runner scripts.

const cleanupsOnExit = new Set<() => void>();
let signalsHandled = false;

function runCleanupsOnExit(): void {
  for (const cleanup of [...cleanupsOnExit].reverse()) {
    try {
      cleanup();
    } catch {
      // Best effort: one failed cleanup must not stop the others.
    }
  }
}

/**
 * Runs `cleanup` synchronously when this process exits for any reason: normal end, `process.exit()`,
 * or SIGINT/SIGTERM/SIGHUP (turned into `process.exit`, because a signal death skips 'exit' handlers).
 * Cleanups run last-registered first, after the exit handlers that libraries registered before
 * (Playwright's, which kills its browser), so a dir is removed only once its users are killed.
 * Returns a function that unregisters it once the resource was released the polite way.
 */
export function cleanupOnExit(cleanup: () => void): () => void {
  exitOnSignals();
  cleanupsOnExit.add(cleanup);
  process.off('exit', runCleanupsOnExit);
  process.on('exit', runCleanupsOnExit);
  return () => cleanupsOnExit.delete(cleanup);
}

/** Turns SIGINT/SIGTERM/SIGHUP into `process.exit(128 + n)`, so that 'exit' cleanups run. */
export function exitOnSignals(): void {
  if (signalsHandled) {
    return;
  }
  signalsHandled = true;
  const exitCodeBySignal: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
  for (const [signal, code] of Object.entries(exitCodeBySignal)) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping child processes and removing temp dirs\n`);
      process.exit(code);
    });
  }
}

/** Signals a whole process group (SIGKILL by default); a group that is already gone is fine. */
export function killProcessGroup(groupLeader: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (groupLeader.pid === undefined) {
    return;
  }
  try {
    process.kill(-groupLeader.pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
      throw error;
    }
  }
}

/** 'exit': the process ended; 'close': it ended and its output has been read to the end. */
function endOf(child: ChildProcess, event: 'exit' | 'close'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (event === 'exit' && (child.exitCode !== null || child.signalCode !== null)) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once(event, (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal }));
  });
}

/** Keeps the last `limit` characters of a stream, for error messages. */
class OutputTail {
  private text = '';
  constructor(private readonly limit = 8000) {}
  append(chunk: string): void {
    this.text = (this.text + chunk).slice(-this.limit);
  }
  toString(): string {
    return this.text.trimEnd();
  }
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Receives the child's stdout/stderr as it comes; without it the output is only kept for errors. */
  onOutput?: (chunk: string) => void;
}

/**
 * Runs a command to completion in its own process group (so everything it starts can be killed
 * together if this process is interrupted) and rejects with the tail of its output unless it exits 0.
 */
export async function runToCompletion(command: string, args: readonly string[], options: RunOptions = {}): Promise<void> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const unregister = cleanupOnExit(() => killProcessGroup(child));
  const tail = new OutputTail();
  const ended = endOf(child, 'close');
  const onData = (chunk: string): void => {
    tail.append(chunk);
    options.onOutput?.(chunk);
  };
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', onData);
  }
  try {
    const { code, signal } = await ended;
    if (code !== 0) {
      const how = signal ? `was killed by ${signal}` : `exited with ${code}`;
      throw new Error(`${command} ${args.join(' ')} ${how}\n--- last output ---\n${tail}`);
    }
  } finally {
    // Whatever it left running in its group (e.g. a stuck grandchild) goes with it.
    killProcessGroup(child);
    unregister();
  }
}

/** The project root: the nearest folder above this file holding a package.json (works from out/ and from src). */
export function projectRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) {
      return dir;
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`no package.json above ${from}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// code-server

export interface CodeServerOptions {
  /** code-server's `out/node/entry.js`, as `installCodeServer()` returns it; run with this process's Node. */
  entryScript: string;
  /** Folder the workbench opens by default. */
  folder?: string;
  /** Extra environment for the server and so for the extension host it forks (e.g. ANDROID_ADB_SERVER_PORT). */
  env?: Record<string, string>;
  /** A .vsix installed into the temp extensions dir before the server starts. */
  installExtensionVsix?: string;
  /** How long to wait for the server to listen. */
  startTimeoutMs?: number;
  /** Port to listen on (loopback only); 0, the default, lets the kernel pick a free one. */
  port?: number;
  /** Receives the server's own log lines; by default they are kept only for error messages. */
  onOutput?: (chunk: string) => void;
}

export interface CodeServer {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  readonly port: number;
  readonly folder: string | undefined;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  /** The `vscode-remote://` URI under which the workbench sees a path on this machine. */
  remoteUri(absolutePath: string): string;
  /**
   * The workbench URL. `payload` is VS Code's list of launch arguments, e.g.
   * `[['extensionDevelopmentPath', server.remoteUri(root)], ['extensionTestsPath', ...]]`.
   */
  workbenchUrl(options?: { folder?: string; payload?: ReadonlyArray<readonly [string, string]> }): string;
  /** Kills the whole process group and removes the temp dirs. Safe to call twice. */
  stop(): Promise<void>;
}

// Variables that would make code-server talk to an outer VS Code (when the tests run in a VS Code
// terminal, `VSCODE_IPC_HOOK_CLI` turns `code-server FOLDER` into "open FOLDER in that window").
function isOuterVsCodeVariable(name: string): boolean {
  return name.startsWith('VSCODE_') || name === 'ELECTRON_RUN_AS_NODE';
}

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const tempRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'adw-code-server-'));
  const removeTempRoot = (): void => rmSync(tempRoot, { recursive: true, force: true });
  const unregisterTempRoot = cleanupOnExit(removeTempRoot);
  try {
    const dirs = {
      userData: path.join(tempRoot, 'user-data'),
      extensions: path.join(tempRoot, 'extensions'),
      xdgConfig: path.join(tempRoot, 'xdg-config'),
      xdgData: path.join(tempRoot, 'xdg-data'),
      xdgCache: path.join(tempRoot, 'xdg-cache'),
    };
    for (const dir of Object.values(dirs)) {
      mkdirSync(dir);
    }
    // An empty config file, so ~/.config/code-server/config.yaml (auth, bind address) cannot interfere.
    const configFile = path.join(tempRoot, 'config.yaml');
    await fs.writeFile(configFile, '');

    const env: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(process.env)) {
      if (!isOuterVsCodeVariable(name)) {
        env[name] = value;
      }
    }
    Object.assign(env, options.env, {
      EXTENSIONS_GALLERY: '{}', // no marketplace lookups: this machine and CI reach no gallery
      XDG_CONFIG_HOME: dirs.xdgConfig,
      XDG_DATA_HOME: dirs.xdgData,
      XDG_CACHE_HOME: dirs.xdgCache,
    });
    const commonArgs = [
      '--config', configFile,
      '--user-data-dir', dirs.userData,
      '--extensions-dir', dirs.extensions,
      '--disable-telemetry',
      '--disable-update-check',
    ];

    if (options.installExtensionVsix !== undefined) {
      await runToCompletion(process.execPath, [options.entryScript, ...commonArgs, '--install-extension', options.installExtensionVsix], {
        env,
        onOutput: options.onOutput,
      });
    }

    const args = [
      options.entryScript,
      ...commonArgs,
      // Port 0 (default): the kernel picks a free port and code-server logs it, so there is no probe-then-bind race.
      '--bind-addr', `127.0.0.1:${options.port ?? 0}`,
      '--auth', 'none',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--disable-proxy',
      ...(options.folder !== undefined ? [options.folder] : []),
    ];
    const spawnOptions: SpawnOptions = { env, cwd: tempRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'] };
    const server = spawn(process.execPath, args, spawnOptions);
    const killServer = (): void => killProcessGroup(server);
    const unregisterServer = cleanupOnExit(killServer);

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        // Polite first (code-server disposes the extension host), forced after a deadline: the group
        // also holds the extension host and pty host, which must not outlive the test run.
        killProcessGroup(server, 'SIGTERM');
        const exited = endOf(server, 'exit').catch(() => undefined);
        let deadline: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise<void>((resolve) => (deadline = setTimeout(resolve, 5000)))]);
        clearTimeout(deadline);
        killServer();
        unregisterServer();
        await fs.rm(tempRoot, { recursive: true, force: true });
        unregisterTempRoot();
      })();
      return stopping;
    };

    try {
      const port = await listeningPort(server, options.onOutput, options.startTimeoutMs ?? 30_000);
      const origin = `http://127.0.0.1:${port}`;
      await expectHealthy(`${origin}/healthz`);
      const remoteAuthority = `127.0.0.1:${port}`;
      const remoteUri = (absolutePath: string): string =>
        `vscode-remote://${remoteAuthority}${path.resolve(absolutePath).split(path.sep).map(encodeURIComponent).join('/')}`;
      return {
        origin,
        port,
        folder: options.folder,
        userDataDir: dirs.userData,
        extensionsDir: dirs.extensions,
        remoteUri,
        workbenchUrl({ folder = options.folder, payload } = {}) {
          const query = new URLSearchParams();
          if (folder !== undefined) {
            query.set('folder', path.resolve(folder));
          }
          if (payload !== undefined) {
            query.set('payload', JSON.stringify(payload));
          }
          const search = query.toString();
          return `${origin}/${search ? `?${search}` : ''}`;
        },
        stop,
      };
    } catch (error) {
      await stop();
      throw error;
    }
  } catch (error) {
    removeTempRoot();
    unregisterTempRoot();
    throw error;
  }
}

/** Resolves with the port from code-server's "HTTP server listening on http://127.0.0.1:PORT/" line. */
function listeningPort(server: ChildProcess, onOutput: ((chunk: string) => void) | undefined, timeoutMs: number): Promise<number> {
  const tail = new OutputTail();
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`code-server did not start listening within ${timeoutMs} ms`)), timeoutMs);
    let listening = false;
    const onData = (chunk: string): void => {
      tail.append(chunk);
      onOutput?.(chunk);
      const match = listening ? null : /HTTP server listening on https?:\/\/127\.0\.0\.1:(\d+)/.exec(tail.toString());
      if (match) {
        listening = true;
        clearTimeout(timer);
        server.off('exit', onExit);
        resolve(Number(match[1]));
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(new Error(`code-server exited (${signal ?? code}) before it was listening`));
    const fail = (error: Error): void => {
      clearTimeout(timer);
      server.off('exit', onExit);
      error.message += `\n--- code-server output ---\n${tail}`;
      reject(error);
    };
    // Keep draining the pipes after start-up, or a chatty server would block on a full pipe.
    for (const stream of [server.stdout, server.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', onData);
    }
    server.once('exit', onExit);
    server.once('error', fail);
  });
}

function expectHealthy(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { timeout: 10_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        if (response.statusCode === 200 && /"status"\s*:\s*"(alive|expired)"/.test(body)) {
          resolve();
        } else {
          reject(new Error(`${url} answered ${response.statusCode}: ${body}`));
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error(`${url} did not answer within 10 s`)));
    request.on('error', reject);
  });
}
