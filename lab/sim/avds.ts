// What a simulated Android SDK needs for emulators: AVDs in an AVD home, laid out as Android
// Studio's Device Manager writes them, and the simulated `emulator` in the SDK's emulator folder.

import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface AvdSpec {
  name: string;
  displayName?: string;
  apiLevel?: number;
  abi?: string;
}

/** Two AVDs of different kinds, for the VS Code tests and `npm start`. */
export const SAMPLE_AVDS: readonly AvdSpec[] = [
  { name: 'Pixel_8_API_34', displayName: 'Pixel 8 API 34', apiLevel: 34 },
  { name: 'Tablet_API_30', displayName: 'Tablet API 30', apiLevel: 30, abi: 'arm64-v8a' },
];

/** `<home>/<name>.ini` pointing at `<home>/<name>.avd/config.ini`. */
export async function writeAvd(home: string, spec: AvdSpec): Promise<void> {
  const folder = path.join(home, `${spec.name}.avd`);
  await fs.mkdir(folder, { recursive: true });
  const api = spec.apiLevel ?? 34;
  await fs.writeFile(path.join(home, `${spec.name}.ini`), `avd.ini.encoding=UTF-8\npath=${folder}\npath.rel=avd/${spec.name}.avd\ntarget=android-${api}\n`);
  await fs.writeFile(
    path.join(folder, 'config.ini'),
    [
      `avd.ini.displayname=${spec.displayName ?? spec.name.replace(/_/g, ' ')}`,
      `abi.type=${spec.abi ?? 'x86_64'}`,
      `image.sysdir.1=system-images/android-${api}/google_apis/${spec.abi ?? 'x86_64'}/`,
      'hw.device.name=pixel_8',
      '',
    ].join('\n'),
  );
}

/** `<sdk>/emulator/emulator`, running the simulator with this Node; returns its path. */
export async function installSimulatedEmulator(sdk: string): Promise<string> {
  const file = path.join(sdk, 'emulator', 'emulator');
  await fs.mkdir(path.dirname(file), { recursive: true });
  // The simulator logs which executable ran it ($0), so tests can tell an SDK's from a setting's.
  await fs.writeFile(file, `#!/bin/sh\nADW_SIM_EMULATOR_PROGRAM="$0" exec '${process.execPath}' '${path.join(__dirname, 'emulator.js')}' "$@"\n`, { mode: 0o755 });
  return file;
}

export interface EmulatorRun {
  pid: number;
  /** The path the simulator was started by. */
  program: string;
  args: string[];
}

export interface SimulatedSdk {
  root: string;
  avdHome: string;
  /** The environment that points the extension (and the simulator) at this SDK and AVD home. */
  env: Record<string, string>;
  /** Pids of the emulators started so far, from the simulator's log. */
  emulatorPids(): Promise<number[]>;
  /** Every run so far, from the simulator's log: which executable, with which arguments. */
  emulatorRuns(): Promise<EmulatorRun[]>;
  /** Ends every simulated emulator still running and removes the folder. */
  dispose(): Promise<void>;
}

/** An SDK with the simulated emulator and an AVD home holding `avds`, in a temporary folder. */
export async function createSimulatedSdk(avds: readonly AvdSpec[]): Promise<SimulatedSdk> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'adw-sim-sdk-'));
  const sdk = path.join(root, 'sdk');
  const avdHome = path.join(root, 'avd');
  const log = path.join(root, 'emulator-runs.jsonl');
  await installSimulatedEmulator(sdk);
  for (const avd of avds) await writeAvd(avdHome, avd);
  const emulatorRuns = async () =>
    (await fs.readFile(log, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as EmulatorRun);
  const emulatorPids = async () => (await emulatorRuns()).map((run) => run.pid);
  return {
    root,
    avdHome,
    env: { ANDROID_HOME: sdk, ANDROID_AVD_HOME: avdHome, ADW_SIM_EMULATOR_LOG: log },
    emulatorPids,
    emulatorRuns,
    async dispose() {
      for (const pid of await emulatorPids()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}
