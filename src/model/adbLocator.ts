// Finds the adb executable the way users expect: the setting, then the Android SDK variables,
// then PATH. It only looks (fs.access); it never runs anything.

import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';

export type AdbSource = 'setting' | 'ANDROID_HOME' | 'ANDROID_SDK_ROOT' | 'PATH';

export interface AdbLocation {
  path: string;
  source: AdbSource;
}

export interface AdbSearch {
  found?: AdbLocation;
  /** Every place looked at, in order, for the Troubleshoot report and the log. */
  tried: { path: string; source: AdbSource; problem: string }[];
}

const executableName = process.platform === 'win32' ? 'adb.exe' : 'adb';

async function isExecutable(file: string): Promise<string | undefined> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return 'not a file';
    await fs.access(file, constants.X_OK);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : 'not executable';
  }
}

export async function locateAdb(setting: string, env: NodeJS.ProcessEnv): Promise<AdbSearch> {
  const candidates: { path: string; source: AdbSource }[] = [];
  if (setting) candidates.push({ path: setting, source: 'setting' });
  for (const variable of ['ANDROID_HOME', 'ANDROID_SDK_ROOT'] as const) {
    const root = env[variable];
    if (root && path.isAbsolute(root)) candidates.push({ path: path.join(root, 'platform-tools', executableName), source: variable });
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && path.isAbsolute(dir)) candidates.push({ path: path.join(dir, executableName), source: 'PATH' });
  }
  const tried: AdbSearch['tried'] = [];
  for (const candidate of candidates) {
    const problem = await isExecutable(candidate.path);
    if (!problem) return { found: candidate, tried };
    // PATH misses are the normal case; keep the report short.
    if (candidate.source !== 'PATH') tried.push({ ...candidate, problem });
  }
  if (!candidates.some((c) => c.source === 'PATH')) tried.push({ path: executableName, source: 'PATH', problem: 'PATH is empty' });
  else tried.push({ path: executableName, source: 'PATH', problem: 'not on PATH' });
  return { tried };
}
