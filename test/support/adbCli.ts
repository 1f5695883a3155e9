// The adb command line against a lab's server, for tests that check what a user of adb sees.

import { execFile } from 'node:child_process';
import { ADB_BIN, PrivateAdbServer } from '../../lab/adbServerProcess';

export interface AdbRun {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs the adb CLI against `server`; a non-zero exit is an outcome here, not an error. */
export function runAdb(server: PrivateAdbServer, args: readonly string[], timeoutMs = 60_000): Promise<AdbRun> {
  return new Promise((resolve, reject) => {
    execFile(
      ADB_BIN,
      ['-P', String(server.port), ...args],
      { env: server.env, timeout: timeoutMs, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (error as NodeJS.ErrnoException & { code?: unknown }).code : 0;
        if (typeof code !== 'number') {
          reject(error);
          return;
        }
        resolve({ code, stdout, stderr: stderr.toString('utf8') });
      },
    );
  });
}
