// Installs code-server (= VS Code 1.100.3's server and web workbench, the newest that runs on Node 20)
// from the npm registry into a git-ignored cache folder, the way @vscode/test-electron keeps its
// downloads in `.vscode-test/`. It is not one of the project's dependencies: ~300 MB of native builds
// that only the real-VS-Code tests need.
import { constants as fsConstants, createWriteStream, existsSync, rmSync } from 'fs';
import * as fs from 'fs/promises';
import * as os from 'os';
import * as path from 'path';
import { cleanupOnExit, projectRoot, runToCompletion } from './codeServer';

export const CODE_SERVER_VERSION = '4.100.3';

// Pinned by code-server 4.100.3's lib/vscode/npm-shrinkwrap.json. @vscode/ripgrep's install step
// downloads this asset from GitHub, which this machine cannot reach, unless it finds it in
// `$TMPDIR/vscode-ripgrep-cache-<package version>/` first: we put Debian's `rg` there.
const VSCODE_RIPGREP_PACKAGE_VERSION = '1.15.11';
const RIPGREP_PREBUILT_RELEASE = 'v13.0.0-10';

export interface CodeServerInstall {
  readonly version: string;
  /** `.vscode-test/code-server-<version>/` */
  readonly installDir: string;
  /** `out/node/entry.js`: run it with `process.execPath`, the Node it was built for. */
  readonly entryScript: string;
}

export interface InstallOptions {
  /** Defaults to the project root. */
  projectDir?: string;
  /** Progress lines; defaults to stdout. npm's own output goes to `npm-install.log`, and to stdout with `verbose`. */
  log?: (line: string) => void;
  verbose?: boolean;
}

export function codeServerInstallDir(projectDir: string = projectRoot()): string {
  return path.join(projectDir, '.vscode-test', `code-server-${CODE_SERVER_VERSION}`);
}

/** Installs once; later calls find the marker written after a verified install and return at once. */
export async function installCodeServer(options: InstallOptions = {}): Promise<CodeServerInstall> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const installDir = codeServerInstallDir(options.projectDir);
  const install: CodeServerInstall = {
    version: CODE_SERVER_VERSION,
    installDir,
    entryScript: path.join(installDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
  const marker = path.join(installDir, '.installed.json');
  if (existsSync(marker) && existsSync(install.entryScript)) {
    log(`code-server ${CODE_SERVER_VERSION}: already installed in ${path.relative(process.cwd(), installDir) || '.'}`);
    return install;
  }
  // Before anything is removed: without rg the install cannot succeed.
  const rg = await findOnPath('rg');
  if (rg === undefined) {
    throw new Error('ripgrep (`rg`) is not on PATH; install it first (Debian: `apt-get install -y ripgrep`)');
  }

  const releaseLock = await lockInstall(`${installDir}.lock`);
  try {
    if (existsSync(marker)) {
      log(`code-server ${CODE_SERVER_VERSION}: installed meanwhile by another run`);
      return install;
    }
    const started = Date.now();
    log(`code-server ${CODE_SERVER_VERSION}: installing into ${installDir} (about a minute: native modules are compiled)`);
    await runInstall(installDir, rg, log, options.verbose ?? false);
    await verifyInstall(install, path.join(installDir, INSTALL_TMP));
    await fs.rm(path.join(installDir, INSTALL_TMP), { recursive: true, force: true });
    const seconds = (Date.now() - started) / 1000;
    await fs.writeFile(marker, `${JSON.stringify({ version: CODE_SERVER_VERSION, installedAt: new Date().toISOString(), seconds }, null, 2)}\n`);
    log(`code-server ${CODE_SERVER_VERSION}: installed in ${seconds.toFixed(1)} s`);
    return install;
  } finally {
    releaseLock();
  }
}

// npm and node-gyp get a private temp dir inside the install dir, so an interrupted attempt leaves
// nothing in /tmp and the ripgrep cache we seed is the one @vscode/ripgrep looks at.
const INSTALL_TMP = '.install-tmp';

async function runInstall(installDir: string, rg: string, log: (line: string) => void, verbose: boolean): Promise<void> {
  const started = Date.now();
  // A folder without the marker is a failed or interrupted attempt: start clean.
  await fs.rm(installDir, { recursive: true, force: true });
  const installTmp = path.join(installDir, INSTALL_TMP);
  const ripgrepCache = path.join(installTmp, `vscode-ripgrep-cache-${VSCODE_RIPGREP_PACKAGE_VERSION}`);
  await fs.mkdir(ripgrepCache, { recursive: true });
  const ripgrepAsset = path.join(ripgrepCache, `ripgrep-${RIPGREP_PREBUILT_RELEASE}-${ripgrepTarget()}.tar.gz`);
  // -h: store the binary itself even when `rg` on PATH is a symlink.
  await runToCompletion('tar', ['-czhf', ripgrepAsset, '-C', path.dirname(rg), 'rg']);
  log(`  seeded @vscode/ripgrep's download cache with ${rg}`);

  await fs.writeFile(
    path.join(installDir, 'package.json'),
    `${JSON.stringify(
      {
        name: 'code-server-for-tests',
        private: true,
        description: 'Cache of code-server for the real-VS-Code tests (lab/vscode/installCodeServer.ts)',
        dependencies: { 'code-server': CODE_SERVER_VERSION },
        // npm's install-script policy: these two build native modules and must run. code-server's own
        // postinstall then runs `npm install` in lib/vscode, whose dependencies npm currently runs with a warning.
        allowScripts: { 'code-server': true, argon2: true },
      },
      null,
      2,
    )}\n`,
  );

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TMPDIR: installTmp,
    npm_config_yes: 'true', // node-pty's install step runs `npx node-gyp`
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  const nodeHeaders = nodeInstallPrefix();
  if (nodeHeaders !== undefined) {
    env.npm_config_nodedir = nodeHeaders; // node-gyp would otherwise download Node's headers
  }
  const npmLog = path.join(installDir, 'npm-install.log');
  log(`  npm install code-server@${CODE_SERVER_VERSION}${nodeHeaders ? ` (Node headers from ${nodeHeaders})` : ''}; output in ${npmLog}`);
  const npmLogStream = createWriteStream(npmLog);
  try {
    // --unsafe-perm: npm 11 warns it is unknown, but still exports npm_config_unsafe_perm=true, and
    // code-server's postinstall refuses to run as root without that.
    // --foreground-scripts: the native builds' output goes to the log, not into npm's spinner.
    await runToCompletion('npm', ['install', '--foreground-scripts', '--unsafe-perm'], {
      cwd: installDir,
      env,
      onOutput: (chunk) => {
        npmLogStream.write(chunk);
        if (verbose) {
          process.stdout.write(chunk);
        }
      },
    });
  } finally {
    await new Promise((resolve) => npmLogStream.end(resolve));
  }
  log(`  npm install done after ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Two test runs starting on a fresh checkout must not install into the same folder at once (the
 * second would wipe the first's half-done install). The lock holds our pid; a dead holder's lock is taken over.
 */
async function lockInstall(lockFile: string): Promise<() => void> {
  await fs.mkdir(path.dirname(lockFile), { recursive: true });
  for (;;) {
    try {
      await fs.writeFile(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
      const holder = Number(await fs.readFile(lockFile, 'utf8').catch(() => ''));
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
        throw new Error(`another code-server install (pid ${holder}) is running into the same folder; wait for it and run again`);
      }
      await fs.rm(lockFile, { force: true });
    }
  }
  const release = (): void => rmSync(lockFile, { force: true });
  const unregister = cleanupOnExit(release);
  return () => {
    release();
    unregister();
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The install is only as good as its native modules: code-server starts without them and fails later. */
async function verifyInstall(install: CodeServerInstall, scratchDir: string): Promise<void> {
  const vscodeModules = path.join(install.installDir, 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules');
  const required = [
    install.entryScript,
    path.join(vscodeModules, '@vscode', 'ripgrep', 'bin', 'rg'),
    path.join(vscodeModules, 'node-pty', 'build', 'Release', 'pty.node'),
    path.join(vscodeModules, '@vscode', 'spdlog', 'build', 'Release', 'spdlog.node'),
  ];
  const missing = required.filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new Error(`code-server install is incomplete, missing:\n  ${missing.join('\n  ')}`);
  }
  // Even --version loads (and first writes) config.yaml and a log dir: keep them out of HOME.
  const env = { ...process.env, XDG_CONFIG_HOME: scratchDir, XDG_DATA_HOME: scratchDir };
  let output = '';
  await runToCompletion(process.execPath, [install.entryScript, '--version'], { env, onOutput: (chunk) => (output += chunk) });
  if (!output.split('\n').some((line) => line.startsWith(`${CODE_SERVER_VERSION} `))) {
    throw new Error(`code-server --version printed ${JSON.stringify(output)}, expected ${CODE_SERVER_VERSION}`);
  }
}

async function findOnPath(command: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, command);
    try {
      await fs.access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not in this PATH entry
    }
  }
  return undefined;
}

// Same mapping as @vscode/ripgrep's postinstall (musl builds; Debian's rg is a drop-in).
function ripgrepTarget(): string {
  if (os.platform() !== 'linux') {
    throw new Error(`seeding ripgrep from PATH is only set up for Linux, not ${os.platform()}`);
  }
  switch (os.arch()) {
    case 'x64':
      return 'x86_64-unknown-linux-musl';
    case 'arm64':
      return 'aarch64-unknown-linux-musl';
    default:
      throw new Error(`no @vscode/ripgrep target known for ${os.arch()}`);
  }
}

/** The prefix holding `include/node/node.h` for the running Node (`/usr` for Debian's nodejs), if any. */
function nodeInstallPrefix(): string | undefined {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return existsSync(path.join(prefix, 'include', 'node', 'node.h')) ? prefix : undefined;
}

if (require.main === module) {
  installCodeServer({ verbose: process.argv.includes('--verbose') }).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
