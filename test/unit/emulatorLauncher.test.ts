// Launching an emulator: its arguments, a free console port, and an early exit reported with its
// code and last output lines (with small stand-in executables written to a temporary folder).

import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { emulatorArgs, freeConsolePort, launchEmulator } from '../../src/model/emulatorLauncher';

describe('emulator launcher', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await fs.mkdtemp(path.join(os.tmpdir(), 'adw-emu-'));
  });
  afterEach(() => fs.rm(folder, { recursive: true, force: true }));

  it('passes the AVD, the console port, cold boot, wipe data and extra arguments as separate arguments', () => {
    assert.deepEqual(emulatorArgs({ avd: 'Pixel_8', coldBoot: true, wipeData: true, extraArgs: ['-gpu', 'swiftshader_indirect', '; reboot'] }, 5556), [
      '-avd',
      'Pixel_8',
      '-port',
      '5556',
      '-no-snapshot-load',
      '-wipe-data',
      '-gpu',
      'swiftshader_indirect',
      '; reboot',
    ]);
  });

  it('skips console ports adb lists and ports something answers on', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve, reject) => busy.once('error', reject).listen(5557, '127.0.0.1', () => resolve()));
    try {
      // 5554 is listed by adb; 5556's adb port (5557) answers.
      const port = await freeConsolePort(new Set([5554]));
      assert.ok(port !== undefined && port !== 5554 && port !== 5556 && port % 2 === 0, String(port));
    } finally {
      busy.close();
    }
  });

  it('reports an emulator that exits at once with its exit code and last lines', async () => {
    const fake = path.join(folder, 'emulator');
    await fs.writeFile(fake, '#!/bin/sh\necho "INFO    | Android emulator version 35.1.4"\necho "ERROR   | x86_64 emulation currently requires hardware acceleration!" >&2\nexit 1\n', { mode: 0o755 });
    const launched = await launchEmulator({ emulatorPath: fake, avd: 'Pixel_8', portsInUse: new Set(), logFolder: folder });
    assert.match(launched.serial, /^emulator-\d+$/);
    const { code, lastLines } = await launched.exited;
    assert.equal(code, 1);
    assert.deepEqual(lastLines, ['INFO    | Android emulator version 35.1.4', 'ERROR   | x86_64 emulation currently requires hardware acceleration!']);
  });

  it('reports a missing emulator executable as an exit with the reason in the last lines', async () => {
    const launched = await launchEmulator({ emulatorPath: path.join(folder, 'missing'), avd: 'A', portsInUse: new Set(), logFolder: folder });
    const { code, lastLines } = await launched.exited;
    assert.equal(code, null);
    assert.match(lastLines.join('\n'), /ENOENT/);
  });
});
