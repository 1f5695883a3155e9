// The emulator capability's settings, validated like the others (a bad value: a warning naming
// the setting and a sane fallback). emulatorPath and emulatorArgs are machine-scoped and
// restricted in untrusted workspaces (package.json): they choose what runs.

import { executablePath, integerIn, SETTINGS_SECTION, SettingReader } from '../../devices/model/settings';

export interface EmulatorSettings {
  /** The `emulator` executable; empty: looked for like adb. */
  emulatorPath: string;
  /** Added to every launch, one argument each (never shell text). */
  emulatorArgs: string[];
  /** A launched emulator that has not booted by then is reported (it may still come up). */
  emulatorBootTimeoutSeconds: number;
}

/** The arguments a launch sets itself: given again in emulatorArgs they would contradict it. */
const LAUNCH_OWNED_ARGS = ['-avd', '-port', '-ports', '@'];

export function readEmulatorSettings(read: SettingReader, warnings: string[]): EmulatorSettings {
  return {
    emulatorPath: executablePath('emulatorPath', 'the emulator', read('emulatorPath'), warnings),
    emulatorArgs: emulatorArgs(read('emulatorArgs'), warnings),
    emulatorBootTimeoutSeconds: integerIn('emulatorBootTimeoutSeconds', read('emulatorBootTimeoutSeconds'), 10, 3600, 300, warnings),
  };
}

/** A list of arguments; the ones a launch sets itself (-avd, -port) are refused with the whole list. */
function emulatorArgs(value: unknown, warnings: string[]): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) {
    warnings.push(`${SETTINGS_SECTION}.emulatorArgs: expected a list of arguments such as ["-no-audio", "-gpu", "host"]; launching without extra arguments`);
    return [];
  }
  const owned = value.find((entry) => LAUNCH_OWNED_ARGS.some((arg) => entry === arg || (arg === '@' && entry.startsWith('@'))));
  if (owned !== undefined) {
    warnings.push(`${SETTINGS_SECTION}.emulatorArgs: ${JSON.stringify(owned)} is set by each launch; launching without extra arguments`);
    return [];
  }
  return value.filter((entry) => entry !== '');
}
