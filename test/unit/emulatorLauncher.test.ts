// Launching an emulator: its arguments, a free console port (never one promised to a launch in
// flight), an early exit reported with its code and its own last output lines, and a spawn that
// fails reported as the launch's failure (with small stand-in executables in a temporary folder).

import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { emulatorAdbServerPort, emulatorArgs, freeConsolePort, launchEmulator } from '../../src/emulators/model/emulatorLauncher';

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

  it('gives two launches at once different console ports, and each its own output in its report', async () => {
    // Exits at once after printing which AVD it was started for (as the emulator does, first thing).
    const fake = path.join(folder, 'emulator');
    await fs.writeFile(fake, '#!/bin/sh\necho "INFO    | Found AVD name \'$2\'"\necho "ERROR   | $2 cannot start" >&2\nexit 1\n', { mode: 0o755 });
    const [first, second] = await Promise.all(['First', 'Second'].map((avd) => launchEmulator({ emulatorPath: fake, avd, portsInUse: new Set(), logFolder: folder })));
    assert.notEqual(first.consolePort, second.consolePort);
    assert.notEqual(first.logFile, second.logFile);
    assert.deepEqual((await first.exited).lastLines, ["INFO    | Found AVD name 'First'", 'ERROR   | First cannot start']);
    assert.deepEqual((await second.exited).lastLines, ["INFO    | Found AVD name 'Second'", 'ERROR   | Second cannot start']);
  });

  it('reports an executable that cannot be started as the launch\'s failure, not as a launch that exited', async () => {
    const notExecutable = path.join(folder, 'emulator');
    await fs.writeFile(notExecutable, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    await assert.rejects(launchEmulator({ emulatorPath: notExecutable, avd: 'A', portsInUse: new Set(), logFolder: folder }), /spawn .* EACCES/);
    await assert.rejects(launchEmulator({ emulatorPath: path.join(folder, 'missing'), avd: 'A', portsInUse: new Set(), logFolder: folder }), /spawn .* ENOENT/);
    // The port promised to the failed launches is free again: the next launch is given it.
    const port = await freeConsolePort(new Set());
    const fake = path.join(folder, 'runs');
    await fs.writeFile(fake, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const launched = await launchEmulator({ emulatorPath: fake, avd: 'A', portsInUse: new Set(), logFolder: folder });
    assert.equal(launched.consolePort, port);
    assert.equal((await launched.exited).code, 0);
  });

  it('knows where an emulator registers: ANDROID_ADB_SERVER_PORT, else 5037, nowhere for a bad value', () => {
    assert.equal(emulatorAdbServerPort({}), 5037);
    assert.equal(emulatorAdbServerPort({ ANDROID_ADB_SERVER_PORT: '5038' }), 5038);
    assert.equal(emulatorAdbServerPort({ ANDROID_ADB_SERVER_PORT: 'adb' }), undefined);
    assert.equal(emulatorAdbServerPort({ ANDROID_ADB_SERVER_PORT: '70000' }), undefined);
  });
});
