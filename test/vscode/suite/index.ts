// The in-host test entry point: VS Code loads this module inside its extension host and calls run().
// The same file serves both runners (code-server via runSuite.ts, desktop VS Code via runElectron.ts),
// as in @vscode/test-electron's samples.
import * as fs from 'fs/promises';
import Mocha from 'mocha';
import * as path from 'path';
import { stopAll } from '../../support/started';

export async function run(): Promise<void> {
  // Color off: the output is forwarded as plain text by the runner.
  const mocha = new Mocha({ ui: 'bdd', timeout: 20_000, color: false });
  // Whatever a suite started and did not stop (its `before` failed midway): stopped at the end.
  mocha.suite.afterAll('stop what the tests started', stopAll);
  const testFiles = (await fs.readdir(__dirname)).filter((name) => name.endsWith('.test.js')).sort();
  if (testFiles.length === 0) {
    throw new Error(`no *.test.js next to ${__filename}: run \`npx tsc -p .\` first`);
  }
  for (const name of testFiles) {
    mocha.addFile(path.join(__dirname, name));
  }
  const { passes, failures } = await new Promise<{ passes: number; failures: number }>((resolve, reject) => {
    try {
      const runner = mocha.run(() => resolve({ passes: runner.stats?.passes ?? 0, failures: runner.stats?.failures ?? 0 }));
    } catch (error) {
      reject(error);
    }
  });
  // A closing line that CI recognises, whatever the runner.
  console.log(`${passes} passed, ${failures} failed`);
  if (failures > 0) {
    throw new Error(`${failures} of ${passes + failures} tests failed in the extension host`);
  }
}
