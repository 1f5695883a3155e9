// The house's import rules (tools/eslint/importBoundaries.mjs) through ESLint itself with the
// project's own config, on code placed where each rule applies: every forbidden arrow is reported,
// every allowed one is not.

import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '../../..');

async function problems(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result.messages.filter((m) => m.ruleId === 'house/import-boundaries').map((m) => m.message);
}

describe('the house import rules (ESLint, the project config)', function () {
  this.timeout(60_000);

  const forbidden: [string, string, RegExp][] = [
    ['src/devices/model/x.ts', "import * as vscode from 'vscode';", /vscode is imported only in ui\/ folders/],
    ['src/core/x.ts', "import * as vscode from 'vscode';", /vscode is imported only in ui\/ folders/],
    ['src/poller/x.ts', "import * as vscode from 'vscode';", /vscode is imported only in ui\/ folders/],
    ['src/devices/model/x.ts', "import { DeviceStatusBar } from '../ui/statusBar';", /only ui code imports ui code/],
    ['src/devices/worker/x.ts', "import { WatcherModel } from '../model/watcherModel';", /worker code imports no model or ui/],
    ['src/poller/x.ts', "import { WatcherModel } from '../devices/model/watcherModel';", /worker code imports no model or ui/],
    ['src/devices/ui/x.ts', "import { EmulatorCatalog } from '../../emulators/model/emulatorCatalog';", /devices imports no capability/],
    ['src/emulators/ui/x.ts', "import { WirelessPairing } from '../../pairing/ui/pairing';", /never imports another capability's insides \(emulators -> pairing\)/],
    ['src/core/x.ts', "import { WatcherModel } from '../devices/model/watcherModel';", /the core imports only itself and the worker protocol/],
    ['src/emulators/model/x.ts', "import { runWorker } from '../../poller/worker';", /only its protocol is imported from src\/poller/],
  ];
  for (const [file, code, why] of forbidden) {
    it(`refuses in ${file}: ${code}`, async () => {
      const found = await problems(file, code);
      assert.equal(found.length, 1, JSON.stringify(found));
      assert.match(found[0], why);
    });
  }

  const allowed: [string, string][] = [
    ['src/extension.ts', "import * as vscode from 'vscode';"],
    ['src/devices/ui/x.ts', "import * as vscode from 'vscode';"],
    ['src/emulators/ui/x.ts', "import { Capability } from '../../devices/ui/capability';"],
    ['src/pairing/model/x.ts', "import { WatcherModel } from '../../devices/model/watcherModel';"],
    ['src/core/supervisor/x.ts', "import { HostMessage } from '../../poller/protocol';"],
    ['src/core/supervisor/x.ts', "import { DeviceServiceEnd } from '../../poller/deviceServiceProtocol';"],
    ['src/poller/x.ts', "import { DevicePoller } from '../devices/worker/devicePoller';"],
    ['src/devices/worker/x.ts', "import { AdbServerClient } from '../../core/adb/adbServerClient';"],
  ];
  for (const [file, code] of allowed) {
    it(`allows in ${file}: ${code}`, async () => {
      assert.deepEqual(await problems(file, code), []);
    });
  }
});
