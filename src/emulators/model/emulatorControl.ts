// Starting and stopping emulators, by the rules of where they run. An emulator runs on the machine
// of the adb server that lists it: its console is on that machine's loopback, and a launched one
// registers with the server of this machine that ANDROID_ADB_SERVER_PORT names. So only servers on
// this machine (loopback) count for "this AVD runs here", a launch is pointed at the watched local
// server, and an emulator listed by another server is stopped through that server, never through
// a console on this machine (which would be another emulator's, or nobody's).

import { localServerPort } from '../../core/address';
import { Device } from '../../core/types';
import { consolePortOf, killThroughConsole, readConsoleToken } from './emulatorConsole';
import { emulatorAdbServerPort, launchEmulator, LaunchedEmulator } from './emulatorLauncher';
import { serviceTarget, WatcherControls } from '../../devices/model/watcherModel';

/** What the control needs of the watcher (WatcherModel fits). */
export interface EmulatorWatch {
  readonly devices: readonly Device[];
  readonly configuredServers: readonly string[];
  /** Runs a device service through the watcher's worker, on the device's server and transport. */
  readonly controls: Pick<WatcherControls, 'requestDeviceService'>;
}

export interface EmulatorControlOptions {
  /** The environment launched emulators start from (the extension host's). */
  env: NodeJS.ProcessEnv;
  /** The user's home, where the console's auth token is (~/.emulator_console_auth_token). */
  home: string;
  logFolder: string;
  timeoutMs?: number;
}

export interface LaunchRequest {
  avd: string;
  emulatorPath: string;
  coldBoot?: boolean;
  wipeData?: boolean;
  extraArgs?: readonly string[];
}

/** The adb server a launched emulator registers with. */
export interface Registration {
  /** The watched server on this machine; undefined when none is watched (it goes to `port`, unwatched). */
  server?: string;
  /** Its port on 127.0.0.1; undefined when ANDROID_ADB_SERVER_PORT is not a port (it registers nowhere). */
  port?: number;
}

export type LaunchOutcome =
  | { kind: 'started'; launched: LaunchedEmulator; registration: Registration }
  /** Running on this machine, or still starting from an earlier launch: the emulator refuses a second instance. */
  | { kind: 'already-running' }
  | { kind: 'failed'; message: string };

export type StopOutcome =
  | { ok: true; via: 'console' | 'server'; message: string }
  | {
      ok: false;
      message: string;
      /** It is listed by an adb server of another machine and cannot be reached from here (not online there). */
      elsewhere?: string;
    };

const DEFAULT_TIMEOUT_MS = 5000;


export class EmulatorControl {
  /** AVDs launched here whose emulator has not exited: adb may not list them yet, or list them offline. */
  private readonly launching = new Set<string>();

  constructor(
    private readonly watch: EmulatorWatch,
    private readonly options: EmulatorControlOptions,
  ) {}

  /** AVDs running on this machine: listed by a local server, or launched here and not exited. */
  runningHere(): Set<string> {
    const names = new Set(this.launching);
    for (const device of this.watch.devices) {
      if (device.connection === 'emulator' && device.details?.avdName && localServerPort(device.server) !== undefined) names.add(device.details.avdName);
    }
    return names;
  }

  /**
   * Where an emulator launched now registers: the watched server on this machine (the one on
   * ANDROID_ADB_SERVER_PORT's port if it is watched, else the first), else where the emulator
   * goes by itself.
   */
  registration(): Registration {
    const ownPort = emulatorAdbServerPort(this.options.env);
    const local = this.watch.configuredServers.flatMap((server) => {
      const port = localServerPort(server);
      return port === undefined ? [] : [{ server, port }];
    });
    return local.find(({ port }) => port === ownPort) ?? local[0] ?? { port: ownPort };
  }

  async launch(request: LaunchRequest): Promise<LaunchOutcome> {
    if (this.runningHere().has(request.avd)) return { kind: 'already-running' };
    // Taken before the first await: a second launch in the meantime is refused.
    this.launching.add(request.avd);
    const registration = this.registration();
    try {
      const launched = await launchEmulator({
        ...request,
        portsInUse: new Set(this.watch.devices.flatMap((d) => consolePortOf(d.serial) ?? [])),
        logFolder: this.options.logFolder,
        env: registration.server ? { ...this.options.env, ANDROID_ADB_SERVER_PORT: String(registration.port) } : this.options.env,
      });
      void launched.exited.then(() => this.launching.delete(request.avd));
      return { kind: 'started', launched, registration };
    } catch (error) {
      this.launching.delete(request.avd);
      return { kind: 'failed', message: (error as Error).message };
    }
  }

  /**
   * An emulator on this machine: its console's `kill` (once the console names the AVD the device
   * runs). Otherwise, or when the console cannot: a power-off through the adb server that lists it
   * (`reboot -p` in its shell; the emulator ends when its guest powers off).
   */
  async stop(device: Device): Promise<StopOutcome> {
    const port = consolePortOf(device.serial);
    if (device.connection !== 'emulator' || port === undefined) return { ok: false, message: `${device.serial} is not an emulator` };
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let consoleProblem: string | undefined;
    if (localServerPort(device.server) !== undefined) {
      try {
        const token = await readConsoleToken(this.options.home);
        const kill = await killThroughConsole(port, device.details?.avdName, { token, timeoutMs });
        if (kill.killed) return { ok: true, via: 'console', message: kill.text };
        consoleProblem = kill.text;
      } catch (error) {
        consoleProblem = (error as Error).message;
      }
    }
    return this.powerOffThroughServer(device, consoleProblem, timeoutMs);
  }

  private async powerOffThroughServer(device: Device, consoleProblem: string | undefined, timeoutMs: number): Promise<StopOutcome> {
    const why = consoleProblem ? ` (${consoleProblem})` : '';
    if (device.state !== 'device') {
      if (consoleProblem !== undefined) return { ok: false, message: `its console could not stop it${why}, and it is ${device.state} on ${device.server}` };
      return { ok: false, elsewhere: device.server, message: `it runs on the machine of the adb server ${device.server}, where it is ${device.state}` };
    }
    // Through the worker on its server and transport id (never a serial another device could
    // have), as a constant service: no adb executable, no shell line built here.
    const result = await this.watch.controls.requestDeviceService(serviceTarget(device), 'shell:reboot -p', { timeoutMs: timeoutMs * 2 });
    // The guest powers off and adb drops the emulator: that ends the service too.
    const poweredOff = result.ok || result.end.reason === 'device-gone';
    return poweredOff ? { ok: true, via: 'server', message: `powering off through ${device.server}${why}` } : { ok: false, message: `${result.end.message}${why}` };
  }
}
