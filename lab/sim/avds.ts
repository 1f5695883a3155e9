// What a simulated Android SDK needs for emulators: AVDs in an AVD home, laid out as Android
// Studio's Device Manager writes them, and the simulated `emulator` in the SDK's emulator folder.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface AvdSpec {
  name: string;
  displayName?: string;
  apiLevel?: number;
  abi?: string;
}

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
  await fs.writeFile(file, `#!/bin/sh\nexec '${process.execPath}' '${path.join(__dirname, 'emulator.js')}' "$@"\n`, { mode: 0o755 });
  return file;
}
