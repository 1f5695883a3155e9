// Finds the SDK's executables (adb, the emulator) where Android developers have them, in the
// order they expect: the setting (`~` expanded), the SDK variables, the folder Android Studio
// installs the SDK into by default, then PATH. It only looks (fs.stat/access); it never runs anything.

import { constants, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type AdbSource = 'setting' | 'ANDROID_HOME' | 'ANDROID_SDK_ROOT' | 'Android Studio' | 'PATH';

export interface AdbLocation {
  path: string;
  source: AdbSource;
}

export interface AdbSearch {
  found?: AdbLocation;
  /** Every place looked at before the one found, in order, with why it did not do. */
  tried: { path: string; source: AdbSource; problem: string }[];
}

/** Where this machine is: passed in so that every platform's rules are tested on any one. */
export interface Platform {
  os: NodeJS.Platform;
  home: string;
}

export const THIS_PLATFORM: Platform = { os: process.platform, home: os.homedir() };

async function whyNotExecutable(file: string, platform: Platform): Promise<string | undefined> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return 'not a file';
    // Windows has no execute bit: a file named adb.exe is the executable.
    if (platform.os !== 'win32') await fs.access(file, constants.X_OK);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : 'not executable';
  }
}

/** `~` and `~/...` as the user's home, the way a shell would read the setting. */
export function expandHome(file: string, platform: Platform): string {
  if (file === '~') return platform.home;
  if (file.startsWith('~/') || (platform.os === 'win32' && file.startsWith('~\\'))) return pathFor(platform).join(platform.home, file.slice(2));
  return file;
}

/** The SDK folder Android Studio's setup wizard picks on each platform. */
export function androidStudioSdk(platform: Platform, env: NodeJS.ProcessEnv): string | undefined {
  const p = pathFor(platform);
  switch (platform.os) {
    case 'darwin':
      return p.join(platform.home, 'Library', 'Android', 'sdk');
    case 'win32':
      return env.LOCALAPPDATA ? p.join(env.LOCALAPPDATA, 'Android', 'Sdk') : p.join(platform.home, 'AppData', 'Local', 'Android', 'Sdk');
    default:
      return p.join(platform.home, 'Android', 'Sdk');
  }
}

/** An executable of the SDK and the SDK folder that holds it. */
export interface SdkTool {
  name: 'adb' | 'emulator';
  sdkFolder: string;
}

export const ADB: SdkTool = { name: 'adb', sdkFolder: 'platform-tools' };
export const EMULATOR: SdkTool = { name: 'emulator', sdkFolder: 'emulator' };

export function adbCandidates(setting: string, env: NodeJS.ProcessEnv, platform: Platform = THIS_PLATFORM, tool: SdkTool = ADB): AdbLocation[] {
  const p = pathFor(platform);
  const executable = platform.os === 'win32' ? `${tool.name}.exe` : tool.name;
  const inSdk = (root: string) => p.join(root, tool.sdkFolder, executable);
  const candidates: AdbLocation[] = [];
  if (setting) candidates.push({ path: expandHome(setting, platform), source: 'setting' });
  for (const variable of ['ANDROID_HOME', 'ANDROID_SDK_ROOT'] as const) {
    const root = env[variable];
    if (root && p.isAbsolute(root)) candidates.push({ path: inSdk(root), source: variable });
  }
  const studio = androidStudioSdk(platform, env);
  if (studio) candidates.push({ path: inSdk(studio), source: 'Android Studio' });
  const pathVariable = platform.os === 'win32' ? (env.Path ?? env.PATH) : env.PATH;
  for (const dir of (pathVariable ?? '').split(p.delimiter)) {
    if (dir && p.isAbsolute(dir)) candidates.push({ path: p.join(dir, executable), source: 'PATH' });
  }
  // The same file reached twice (ANDROID_HOME is the default folder) is looked at once.
  return candidates.filter((c, i) => candidates.findIndex((o) => o.path === c.path) === i);
}

export async function locateAdb(setting: string, env: NodeJS.ProcessEnv, platform: Platform = THIS_PLATFORM, tool: SdkTool = ADB): Promise<AdbSearch> {
  const candidates = adbCandidates(setting, env, platform, tool);
  const tried: AdbSearch['tried'] = [];
  for (const candidate of candidates) {
    const problem = await whyNotExecutable(candidate.path, platform);
    if (!problem) return { found: candidate, tried };
    tried.push({ ...candidate, problem });
  }
  if (!candidates.some((c) => c.source === 'PATH')) tried.push({ path: platform.os === 'win32' ? `${tool.name}.exe` : tool.name, source: 'PATH', problem: 'PATH is empty' });
  return { tried };
}

function pathFor(platform: Platform): path.PlatformPath {
  return platform.os === 'win32' ? path.win32 : path.posix;
}
