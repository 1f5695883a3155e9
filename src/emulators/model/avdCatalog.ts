// The emulator's virtual devices (AVDs), read where the emulator itself finds them, from their
// .ini files: no process is started to list them (spawning `emulator -list-avds` costs a Node
// start-up per refresh). Each AVD is `<home>/<NAME>.ini` pointing at `<NAME>.avd/config.ini`.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Platform, THIS_PLATFORM } from '../../core/adbLocator';

export interface Avd {
  /** What `emulator -avd NAME` takes, and what a running emulator reports as its AVD name. */
  name: string;
  /** `avd.ini.displayname`, else the name with underscores as spaces. */
  displayName: string;
  apiLevel?: number;
  abi?: string;
  /** The `.avd` folder. */
  folder: string;
}

export interface AvdListing {
  home: string;
  avds: Avd[];
  /** `.ini` files that do not describe a usable AVD, with why. */
  problems: string[];
}

/** A file larger than this is not an AVD's ini; the read is refused rather than held in memory. */
const MAX_INI_BYTES = 256 * 1024;

/**
 * The Android user home (`~/.android`), where an AVD's `path.rel` starts: ANDROID_USER_HOME, then
 * the older ANDROID_SDK_HOME/.android and ANDROID_EMULATOR_HOME, then ~/.android.
 */
export function androidUserHome(env: NodeJS.ProcessEnv, platform: Platform = THIS_PLATFORM): string {
  const p = platform.os === 'win32' ? path.win32 : path.posix;
  if (env.ANDROID_USER_HOME) return env.ANDROID_USER_HOME;
  if (env.ANDROID_SDK_HOME) return p.join(env.ANDROID_SDK_HOME, '.android');
  if (env.ANDROID_EMULATOR_HOME) return env.ANDROID_EMULATOR_HOME;
  return p.join(platform.home, '.android');
}

/** The emulator's order: ANDROID_AVD_HOME, else the Android user home's `avd` folder. */
export function avdHome(env: NodeJS.ProcessEnv, platform: Platform = THIS_PLATFORM): string {
  const p = platform.os === 'win32' ? path.win32 : path.posix;
  return env.ANDROID_AVD_HOME || p.join(androidUserHome(env, platform), 'avd');
}

/** `key=value` lines; later keys win, comments and blank lines are skipped. */
export function parseIni(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf('=');
    if (at <= 0 || line.startsWith('#') || line.startsWith(';')) continue;
    values.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return values;
}

/** `android-34` -> 34; preview targets (`android-VanillaIceCream`) have no number. */
function apiLevelOf(config: Map<string, string>): number | undefined {
  for (const value of [config.get('target'), config.get('image.sysdir.1')]) {
    const match = value && /android-(\d{1,3})\b/.exec(value);
    if (match) return Number(match[1]);
  }
  return undefined;
}

async function readSmall(file: string): Promise<string> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size > MAX_INI_BYTES) throw new Error(`larger than ${MAX_INI_BYTES} bytes`);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * The AVDs of `home`. Each `.ini` names its folder by `path`, else by `path.rel` from the Android
 * user home (`userHome`, as the emulator resolves it: the AVD home may be elsewhere), else
 * `<home>/<NAME>.avd`.
 */
export async function listAvds(home: string, userHome: string): Promise<AvdListing> {
  let entries: string[];
  try {
    entries = await fs.readdir(home);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { home, avds: [], problems: code === 'ENOENT' ? [] : [`${home}: ${(error as Error).message}`] };
  }
  const problems: string[] = [];
  const avds = await Promise.all(
    entries
      .filter((entry) => entry.endsWith('.ini'))
      .map(async (entry): Promise<Avd | undefined> => {
        const name = entry.slice(0, -'.ini'.length);
        try {
          const pointer = parseIni(await readSmall(path.join(home, entry)));
          const relative = pointer.get('path.rel');
          const candidates = [pointer.get('path'), relative && path.resolve(userHome, relative), path.join(home, `${name}.avd`)];
          const folder = await firstExisting(candidates.filter((c): c is string => !!c));
          if (!folder) {
            problems.push(`${entry}: its .avd folder is missing`);
            return undefined;
          }
          const config = parseIni(await readSmall(path.join(folder, 'config.ini')).catch(() => ''));
          return {
            name,
            displayName: config.get('avd.ini.displayname') || name.replace(/_/g, ' '),
            apiLevel: apiLevelOf(config) ?? apiLevelOf(pointer),
            abi: config.get('abi.type') || undefined,
            folder,
          };
        } catch (error) {
          problems.push(`${entry}: ${(error as Error).message}`);
          return undefined;
        }
      }),
  );
  return { home, avds: avds.filter((a): a is Avd => !!a).sort((a, b) => a.name.localeCompare(b.name)), problems };
}

async function firstExisting(folders: string[]): Promise<string | undefined> {
  for (const folder of folders) {
    const stat = await fs.stat(folder).catch(() => undefined);
    if (stat?.isDirectory()) return folder;
  }
  return undefined;
}
