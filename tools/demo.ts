// `npm start`: the extension working in a real VS Code. Installs the packaged .vsix into a
// code-server (the same cached install the tests use), watching your own adb server when it has
// devices, otherwise a private adb server with a simulated lab, and prints the address to open.
//   --devices N   ready simulated devices (default 4; plus one unauthorized, one offline, one flapping,
//                 and, through a fake adb server that can pair, one phone on the network and one
//                 showing pairing code 123456)
//   --port P      code-server's port on 127.0.0.1 (default 8080; 0 picks a free one)
//   --check       open the workbench headless, wait for a device in the status bar, screenshot, stop
// Ctrl-C stops everything it started.

import { execFile, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { adbServerWithDevices, RunningLab, startLab } from './simulatedLab';
import { createSimulatedSdk, SAMPLE_AVDS } from '../lab/sim/avds';
import { cleanupOnExit, CodeServer, startCodeServer } from '../lab/vscode/codeServer';
import { installCodeServer } from '../lab/vscode/installCodeServer';
import { launchChromium, openWorkbench } from '../lab/vscode/browser';
import { waitForStatus } from '../lab/vscode/workbenchDriver';

const ROOT = path.resolve(__dirname, '..', '..');
const VSIX = path.join(ROOT, 'android-device-watcher.vsix');

function adbOnPath(): Promise<boolean> {
  return new Promise((resolve) => execFile('adb', ['version'], { timeout: 5000 }, (error) => resolve(!error)));
}

/** A small workspace that shows the selection in use: a task and a launch config with `${command:...}`. */
async function demoWorkspace(): Promise<string> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'android-device-watcher-demo-'));
  await fs.mkdir(path.join(folder, '.vscode'));
  await fs.writeFile(
    path.join(folder, '.vscode', 'tasks.json'),
    JSON.stringify(
      {
        version: '2.0.0',
        tasks: [
          {
            label: 'Show the selected device model',
            type: 'process',
            command: 'adb',
            args: ['-s', '${command:androidDeviceWatcher.selectedSerial}', 'shell', 'getprop', 'ro.product.model'],
            problemMatcher: [],
          },
        ],
      },
      null,
      2,
    ),
  );
  await fs.writeFile(
    path.join(folder, 'README.md'),
    '# Android Device Watcher demo\n\nClick the device in the status bar to open the picker. Run the task "Show the selected device model" (Terminal › Run Task) to see `${command:androidDeviceWatcher.selectedSerial}` at work; new terminals have `ANDROID_SERIAL` set.\n',
  );
  return folder;
}

async function check(server: CodeServer, folder: string): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await openWorkbench(browser, server, { folder, payload: [['skipWelcome', 'true']] });
    console.log(`status bar: ${await waitForStatus(page, /\(\+\d+\)/, 30_000)}`);
    await fs.mkdir(path.join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'test-results', 'demo.png') });
    await page.context().close();
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { devices: { type: 'string', default: '4' }, port: { type: 'string', default: '8080' }, check: { type: 'boolean', default: false } },
  });
  const devices = Number(values.devices);
  const port = Number(values.port);
  if (!Number.isInteger(devices) || devices < 0 || devices > 200) throw new Error('--devices takes a whole number from 0 to 200');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port takes a port number (0 for any free one)');
  if (!(await adbOnPath())) {
    throw new Error('adb is missing: run `npm run setup` (installs Debian\'s adb as root) or `sudo apt-get install adb`');
  }
  await fs.access(VSIX).catch(() => {
    throw new Error('the extension is not packaged: run `npm start` (it packages first) or `npm run package`');
  });

  const ownPort = Number(process.env.ANDROID_ADB_SERVER_PORT ?? 5037);
  let lab: RunningLab | undefined;
  let adbPort = ownPort;
  if (!values.check && (await adbServerWithDevices(ownPort))) {
    console.log(`watching your adb server on port ${ownPort}`);
  } else {
    console.log('starting a private adb server with simulated devices:');
    lab = await startLab(['--devices', String(devices), '--unauthorized', '1', '--offline', '1', '--flapping', '1', '--wireless', '1'], (line) => {
      if (/^127\.0\.0\.1:\d+|fake adb server/.test(line)) console.log(`  ${line}`);
    });
    adbPort = lab.port;
  }
  const stopLab = cleanupOnExit(() => void lab?.stop());
  // Two AVDs in a simulated SDK: one running (when the lab is ours), one to start from the picker.
  const sdk = await createSimulatedSdk(SAMPLE_AVDS);
  const stopSdk = cleanupOnExit(() => void sdk.dispose());
  if (lab) {
    spawn(path.join(sdk.root, 'sdk', 'emulator', 'emulator'), ['-avd', SAMPLE_AVDS[1].name], {
      env: { ...process.env, ...sdk.env, ANDROID_ADB_SERVER_PORT: String(adbPort) },
      stdio: 'ignore',
    }).unref();
    console.log(`  emulator: ${SAMPLE_AVDS[1].name} running, ${SAMPLE_AVDS[0].name} to start from the picker`);
  }

  const install = await installCodeServer();
  const folder = await demoWorkspace();
  const removeFolder = cleanupOnExit(() => void fs.rm(folder, { recursive: true, force: true }));
  const server = await startCodeServer({
    entryScript: install.entryScript,
    folder,
    port: values.check ? 0 : port,
    installExtensionVsix: VSIX,
    env: { ANDROID_ADB_SERVER_PORT: String(adbPort), ...sdk.env },
  });
  const shutdown = async (code: number) => {
    await server.stop();
    await sdk.dispose();
    stopSdk();
    await lab?.stop();
    stopLab();
    await fs.rm(folder, { recursive: true, force: true });
    removeFolder();
    process.exit(code);
  };
  if (values.check) {
    try {
      await check(server, folder);
      console.log('demo check: the extension shows the simulated devices in a real VS Code');
      await shutdown(0);
    } catch (error) {
      console.error(`demo check failed: ${(error as Error).message}`);
      await shutdown(1);
    }
    return;
  }
  process.removeAllListeners('SIGINT');
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  console.log(`\nAndroid Device Watcher is running in a real VS Code (code-server ${install.version}):`);
  console.log(`  open ${server.workbenchUrl()}`);
  console.log('Ctrl-C stops VS Code, the simulated devices and the adb server it started.');
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
