// A simulated Android emulator (a simulator, not the real one: no emulator or system image can be
// installed here). It behaves like `emulator` where the extension can see it:
//   emulator -list-avds                    the AVDs of the AVD home, one per line
//   emulator -avd NAME [-port N] [-no-snapshot-load] [-wipe-data] [...]
//     a device side on adb port N+1, registered with the adb server the way the emulator does
//     (`host:emulator:N+1` to 127.0.0.1:ANDROID_ADB_SERVER_PORT, default 5037; adb lists
//     `emulator-N`), its console on port N, `sys.boot_completed` 0 and then 1, the AVD name in
//     `ro.boot.qemu.avd_name`; the AVD locked while it runs (a second instance of the AVD exits
//     with the emulator's error); it runs until the console's `kill`, a shell `reboot -p` (the
//     guest powers off) or a signal, and says in its output which one ended it.
// Modes, for the failures users meet: ADW_SIM_EMULATOR_MODE=fail exits at once with an error (as
// without hardware acceleration); =never-boots never completes its boot; =boot-on-signal completes
// it on SIGUSR1, for tests that must see the boot in progress first. The mode may also be written
// in the AVD's folder (SIMULATOR_MODE_FILE).
// Also: ADW_SIM_EMULATOR_LOG (a file that gets each run's arguments, one JSON line per run) and
// ADW_SIM_EMULATOR_BOOT_MS (boot time, default 1500). The AVD home is found like the emulator
// finds it.

import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { androidUserHome, avdHome, listAvds } from '../../src/emulators/model/avdCatalog';
import { DeviceLab } from './deviceLab';

const DEFAULT_BOOT_MS = 1500;
/** The Android version of the system image, by API level (what a real image reports). */
const ANDROID_RELEASES: Record<number, string> = { 28: '9', 29: '10', 30: '11', 31: '12', 32: '12', 33: '13', 34: '14', 35: '15' };
/** In an AVD's folder: the mode for that AVD when ADW_SIM_EMULATOR_MODE is not set. */
export const SIMULATOR_MODE_FILE = 'simulator-mode';
/** The emulator locks an AVD's hardware-qemu.ini while it runs; this one writes its pid there. */
const AVD_LOCK_FILE = 'hardware-qemu.ini.lock';

/** A console in the emulator's documented text protocol: a banner, then one command per line. */
function startConsole(port: number, avd: string, token: string | undefined, onKill: () => void): Promise<net.Server> {
  const server = net.createServer((socket) => {
    let authenticated = token === undefined;
    socket.setEncoding('utf8');
    socket.write(
      token === undefined
        ? 'Android Console: type \'help\' for a list of commands\r\nOK\r\n'
        : 'Android Console: Authentication required\r\nAndroid Console: type \'auth <auth_token>\' to authenticate\r\nAndroid Console: you can find your <auth_token> in\r\n\'' +
            path.join(os.homedir(), '.emulator_console_auth_token') +
            '\'\r\nOK\r\n',
    );
    let buffered = '';
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).replace(/\r$/, '').trim();
        buffered = buffered.slice(newline + 1);
        const [command, ...rest] = line.split(/\s+/);
        if (command === 'auth') {
          authenticated = rest.join(' ') === token;
          socket.write(authenticated ? 'OK\r\n' : 'KO: authentication token does not match ~/.emulator_console_auth_token\r\n');
        } else if (!authenticated) {
          socket.write('KO: unknown command, try \'help\'\r\n');
        } else if (line === 'avd name') {
          socket.write(`${avd}\r\nOK\r\n`);
        } else if (command === 'kill') {
          process.stdout.write('INFO    | Console: kill\n');
          socket.end('OK: killing emulator, bye bye\r\n', onKill);
        } else {
          socket.write('KO: unknown command, try \'help\'\r\n');
        }
      }
    });
    socket.on('error', () => undefined);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/**
 * `host:emulator:PORT` to the adb server, as the emulator registers; the server sends no reply.
 * No server there is no error (the emulator says nothing either): adb's scan may find it later.
 */
export function registerEmulator(adbServerPort: number, adbPort: number): Promise<void> {
  const service = `host:emulator:${adbPort}`;
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: adbServerPort }, () => {
      socket.end(`${service.length.toString(16).padStart(4, '0')}${service}`);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
    socket.resume();
  });
}

/** The AVD's lock, as the emulator takes it: refused while another live process holds it. */
async function lockAvd(folder: string): Promise<(() => Promise<void>) | undefined> {
  const file = path.join(folder, AVD_LOCK_FILE);
  // Written whole, then linked into place: a lock is never seen without its pid.
  const mine = `${file}.${process.pid}`;
  await fs.writeFile(mine, String(process.pid));
  try {
    for (;;) {
      try {
        await fs.link(mine, file);
        return () => fs.rm(file, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = Number(await fs.readFile(file, 'utf8').catch(() => ''));
      if (holder > 0 && alive(holder)) return undefined;
      // Left by an emulator that was killed: stale, as the emulator judges it.
      await fs.rm(file, { force: true });
    }
  } finally {
    await fs.rm(mine, { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The emulator's rule: ANDROID_ADB_SERVER_PORT when set (a bad value: no registration), else 5037. */
function adbServerPort(): number | undefined {
  const value = process.env.ANDROID_ADB_SERVER_PORT;
  if (value === undefined || value === '') return 5037;
  const port = Number(value);
  if (Number.isInteger(port) && port > 0 && port < 65536) return port;
  process.stderr.write(`ERROR   | Env. var ANDROID_ADB_SERVER_PORT must be a number in 1..65535 range. Got ${value}\n`);
  return undefined;
}

async function freeConsolePort(): Promise<number> {
  for (let port = 5554; port <= 5682; port += 2) {
    const free = await Promise.all([port, port + 1].map((p) => new Promise<boolean>((resolve) => {
      const probe = net.createServer().once('error', () => resolve(false)).listen(p, '127.0.0.1', () => probe.close(() => resolve(true)));
    })));
    if (free.every(Boolean)) return port;
  }
  throw new Error('no free console port from 5554 to 5682');
}

async function main(args: string[]): Promise<number> {
  const home = avdHome(process.env);
  const userHome = androidUserHome(process.env);
  if (args.includes('-list-avds')) {
    for (const avd of (await listAvds(home, userHome)).avds) process.stdout.write(`${avd.name}\n`);
    return 0;
  }
  const log = process.env.ADW_SIM_EMULATOR_LOG;
  if (log) await fs.appendFile(log, `${JSON.stringify({ pid: process.pid, program: process.env.ADW_SIM_EMULATOR_PROGRAM ?? process.argv[1], args })}\n`);
  const name = args[args.indexOf('-avd') + 1];
  if (!args.includes('-avd') || !name) {
    process.stderr.write('ERROR | No AVD specified. Use \'-avd\' to specify one.\n');
    return 1;
  }
  const avd = (await listAvds(home, userHome)).avds.find((candidate) => candidate.name === name);
  if (!avd) {
    process.stderr.write(`PANIC: Unknown AVD name [${name}], use -list-avds to see valid list.\n`);
    return 1;
  }
  process.stdout.write(`INFO    | Found AVD name '${avd.name}'\n`);
  // Per AVD too, for tests that run it through an extension whose environment they cannot set.
  const mode = process.env.ADW_SIM_EMULATOR_MODE ?? ((await fs.readFile(path.join(avd.folder, SIMULATOR_MODE_FILE), 'utf8').catch(() => '')).trim() || undefined);
  if (mode === 'fail') {
    process.stdout.write('INFO    | Android emulator version 35.1.4.0 (simulated)\n');
    process.stderr.write('ERROR   | x86_64 emulation currently requires hardware acceleration!\n');
    return 1;
  }
  const unlock = await lockAvd(avd.folder);
  if (!unlock) {
    process.stderr.write('ERROR   | Running multiple emulators with the same AVD is an experimental feature.\nPlease use -read-only flag to enable this feature.\n');
    return 1;
  }
  const portArg = args.indexOf('-port');
  const consolePort = portArg >= 0 ? Number(args[portArg + 1]) : await freeConsolePort();
  const token = (await fs.readFile(path.join(os.homedir(), '.emulator_console_auth_token'), 'utf8').catch(() => '')).trim() || undefined;

  const lab = new DeviceLab();
  const properties: Record<string, string> = {
    'ro.product.manufacturer': 'Google',
    'ro.product.model': 'sdk_gphone64_x86_64',
    'ro.product.name': 'sdk_gphone64_x86_64',
    'ro.product.device': 'emu64x',
    'ro.build.version.sdk': String(avd.apiLevel ?? 34),
    'ro.build.version.release': ANDROID_RELEASES[avd.apiLevel ?? 34] ?? String(avd.apiLevel ?? 34),
    'ro.product.cpu.abi': avd.abi ?? 'x86_64',
    'ro.kernel.qemu': '1',
    'ro.boot.qemu.avd_name': avd.name,
    'sys.boot_completed': '',
  };
  let ending: Promise<void> | undefined;
  const end = (): Promise<void> => (ending ??= lab.close().then(unlock).then(() => process.exit(0)));
  const powerOff = () => {
    process.stdout.write('INFO    | The guest powered off (reboot -p)\n');
    void end();
  };
  const device = await lab.addDevice({ port: consolePort + 1, properties, onPowerOff: powerOff });
  await startConsole(consolePort, avd.name, token, () => void end());
  process.on('SIGTERM', () => void end());
  process.on('SIGINT', () => void end());
  process.stdout.write(`INFO    | Android emulator version 35.1.4.0 (simulated), AVD ${avd.name}, console ${consolePort}, adb ${consolePort + 1}\n`);
  const boot = (): void => {
    // The device reads this very object on every getprop.
    device.properties['sys.boot_completed'] = '1';
    process.stdout.write('INFO    | Boot completed\n');
  };
  // Listening before adb can list the device: a test may signal as soon as it sees it.
  if (mode === 'boot-on-signal') process.once('SIGUSR1', boot);
  const serverPort = adbServerPort();
  if (serverPort !== undefined) await registerEmulator(serverPort, consolePort + 1);
  if (mode !== 'boot-on-signal' && mode !== 'never-boots') setTimeout(boot, Number(process.env.ADW_SIM_EMULATOR_BOOT_MS) || DEFAULT_BOOT_MS);
  // Runs on (its device and console keep the process alive) until `kill` or a signal.
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== 0) process.exit(code);
    },
    (error: unknown) => {
      process.stderr.write(`ERROR   | ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
