// The same in-host suite in desktop VS Code through @vscode/test-electron, for machines that can
// download VS Code (this one cannot: it fails with getaddrinfo ENOTFOUND; use runSuite.ts here).
// Linux without a display needs one, e.g. `xvfb-run -a npm run test:electron`.
// Expects `npm run build` and `npx tsc -p .` to have run.
import { runTests } from '@vscode/test-electron';
import * as path from 'path';
import { projectRoot } from '../../../lab/vscode/codeServer';

async function main(): Promise<void> {
  const root = projectRoot();
  const exitCode = await runTests({
    // The VS Code that code-server 4.100.3 carries, so both runners test against the same release.
    version: process.env.ADW_VSCODE_VERSION ?? '1.100.3',
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out', 'test', 'vscode', 'suite', 'index.js'),
    // smoke.test.ts checks that this reaches the extension host.
    extensionTestsEnv: { ADW_VSCODE_TEST_RUNNER: 'electron' },
    launchArgs: [root, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  });
  process.exit(exitCode);
}

main().catch((error: unknown) => {
  console.error('VS Code tests failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
