// Emulators from the picker and the palette: launch an AVD (normally, cold, or with its data
// wiped), follow it until adb lists it booted and select it, say why when it exits early or does
// not boot in time, and stop a running one through its console (`adb emu kill` as the fallback).

import { execFile } from 'node:child_process';
import * as os from 'node:os';
import * as vscode from 'vscode';
import { DisposableBase } from '../common/lifecycle';
import { Avd } from '../model/avdCatalog';
import { consolePortOf, readConsoleToken, runConsoleCommands } from '../model/emulatorConsole';
import { EmulatorCatalog } from '../model/emulatorCatalog';
import { launchEmulator } from '../model/emulatorLauncher';
import { adbServerSocket, WatcherSettings } from '../model/settings';
import { WatcherModel } from '../model/watcherModel';
import { CommandResult, Device, effectiveState } from '../shared/types';
import { inert } from './deviceText';

export type LaunchMode = 'normal' | 'cold' | 'wipe';

const CONSOLE_TIMEOUT_MS = 5000;

export class EmulatorActions extends DisposableBase {
  constructor(
    private readonly catalog: EmulatorCatalog,
    private readonly model: WatcherModel,
    private readonly log: vscode.LogOutputChannel,
    private readonly logFolder: string,
    private readonly settings: () => Pick<WatcherSettings, 'emulatorPath' | 'emulatorArgs' | 'emulatorBootTimeoutSeconds'>,
  ) {
    super();
  }

  /** A running emulator's AVD names, from the devices adb lists. */
  runningAvds(): Set<string> {
    return new Set(this.model.devices.flatMap((d) => (d.connection === 'emulator' && d.details?.avdName ? [d.details.avdName] : [])));
  }

  /** Asks for an AVD that is not running (a quick pick) unless `name` is given. */
  async chooseAvd(name?: string): Promise<Avd | undefined> {
    await this.catalog.refresh();
    const running = this.runningAvds();
    if (name !== undefined) return this.catalog.avds.find((avd) => avd.name === name);
    const items = this.catalog.avds
      .filter((avd) => !running.has(avd.name))
      .map((avd) => ({ label: avd.displayName, description: avdSummary(avd), avd }));
    if (items.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No emulator to start: create a virtual device in Android Studio\'s Device Manager (AVDs are read from {0}).', this.catalog.home));
      return undefined;
    }
    return (await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('Start an emulator') }))?.avd;
  }

  /** Launches `avd`; resolves once the emulator process runs (the boot is followed after). */
  async launch(avd: Avd, mode: LaunchMode = 'normal'): Promise<CommandResult> {
    if (this.runningAvds().has(avd.name)) {
      // The emulator refuses a second instance of one AVD; say so before it does.
      const message = vscode.l10n.t('{0} is already running.', avd.name);
      void vscode.window.showInformationMessage(message);
      return { ok: false, message };
    }
    const { emulatorPath, emulatorArgs, emulatorBootTimeoutSeconds } = this.settings();
    const search = await this.catalog.findEmulator(emulatorPath);
    const emulator = search.found;
    if (!emulator) {
      this.log.warn(`emulator not found (${search.tried.map((t) => `${t.source}: ${t.path} ${t.problem}`).join('; ')})`);
      const message = emulatorPath
        ? vscode.l10n.t('The Android emulator was not found at {0} (the androidDeviceWatcher.emulatorPath setting).', emulatorPath)
        : vscode.l10n.t('The Android emulator was not found: install it with Android Studio\'s SDK Manager, or set ANDROID_HOME.');
      void vscode.window.showErrorMessage(message);
      return { ok: false, message };
    }
    const portsInUse = new Set(this.model.devices.flatMap((d) => consolePortOf(d.serial) ?? []));
    try {
      const launched = await launchEmulator({
        emulatorPath: emulator.path,
        avd: avd.name,
        coldBoot: mode === 'cold',
        wipeData: mode === 'wipe',
        extraArgs: emulatorArgs,
        portsInUse,
        logFolder: this.logFolder,
      });
      this.log.info(`starting emulator ${avd.name} as ${launched.serial}: ${emulator.path} (from ${emulator.source}) ${launched.args.join(' ')} (output in ${launched.logFile})`);
      void this.follow(avd, launched.serial, launched.logFile, launched.exited, emulatorBootTimeoutSeconds * 1000);
      return { ok: true, message: launched.serial };
    } catch (error) {
      const message = (error as Error).message;
      void vscode.window.showErrorMessage(vscode.l10n.t('Could not start {0}: {1}', avd.name, inert(message)));
      return { ok: false, message };
    }
  }

  /**
   * Selects the emulator as soon as adb lists it (the status bar then says it is booting, and then
   * ready); reports an early exit or a slow boot.
   */
  private async follow(
    avd: Avd,
    serial: string,
    logFile: string,
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; lastLines: string[] }>,
    bootDeadlineMs: number,
  ): Promise<void> {
    let selected = false;
    let subscription: vscode.Disposable | undefined;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      new Promise<{ kind: 'booted'; device: Device }>((resolve) => {
        const check = () => {
          const device = this.model.devices.find((d) => d.serial === serial && d.connection === 'emulator');
          if (!device) return;
          if (!selected) {
            selected = true;
            this.model.select(device);
          }
          if (effectiveState(device) === 'device') resolve({ kind: 'booted', device });
        };
        subscription = this.model.onDidChange(check);
        check();
      }),
      exited.then((exit) => ({ kind: 'exited' as const, exit })),
      new Promise<{ kind: 'slow' }>((resolve) => (timer = setTimeout(() => resolve({ kind: 'slow' }), bootDeadlineMs))),
    ]);
    subscription?.dispose();
    clearTimeout(timer);
    const showLog = vscode.l10n.t('Show Emulator Output');
    const offerLog = async (choice: Promise<string | undefined>) => {
      if ((await choice) === showLog) await vscode.window.showTextDocument(vscode.Uri.file(logFile));
    };
    if (outcome.kind === 'booted') {
      this.log.info(`emulator ${avd.name} (${serial}) booted`);
    } else if (outcome.kind === 'exited') {
      const { code, signal, lastLines } = outcome.exit;
      this.log.error(`emulator ${avd.name} exited (${code ?? signal}) before it booted:\n${lastLines.join('\n')}`);
      void offerLog(
        Promise.resolve(
          vscode.window.showErrorMessage(vscode.l10n.t('The emulator {0} exited ({1}) before it booted: {2}', avd.name, String(code ?? signal), inert(lastLines.slice(-2).join(' '))), showLog),
        ),
      );
    } else {
      const seconds = bootDeadlineMs / 1000;
      this.log.warn(`emulator ${avd.name} (${serial}) has not booted after ${seconds} s`);
      void offerLog(
        Promise.resolve(
          vscode.window.showWarningMessage(vscode.l10n.t('The emulator {0} has not finished booting after {1} seconds (androidDeviceWatcher.emulatorBootTimeoutSeconds); it may still come up.', avd.name, seconds), showLog),
        ),
      );
    }
  }

  /** Through the emulator console (with its auth token), else `adb emu kill`; a failure is shown. */
  async stop(device: Device): Promise<CommandResult> {
    const result = await this.stopThroughConsoleOrAdb(device);
    if (!result.ok) void vscode.window.showErrorMessage(vscode.l10n.t('Could not stop {0}: {1}', inert(device.serial), inert(result.message)));
    return result;
  }

  private async stopThroughConsoleOrAdb(device: Device): Promise<CommandResult> {
    const port = consolePortOf(device.serial);
    if (device.connection !== 'emulator' || port === undefined) return { ok: false, message: `${device.serial} is not an emulator` };
    try {
      const token = await readConsoleToken(os.homedir());
      const [reply] = await runConsoleCommands(port, ['kill'], { token, timeoutMs: CONSOLE_TIMEOUT_MS });
      if (reply.ok) return { ok: true, message: reply.text };
      throw new Error(reply.text);
    } catch (error) {
      this.log.warn(`emulator console of ${device.serial}: ${(error as Error).message}; trying adb emu kill`);
      return this.adbEmuKill(device);
    }
  }

  private adbEmuKill(device: Device): Promise<CommandResult> {
    const adb = this.model.adb?.found;
    if (!adb) return Promise.resolve({ ok: false, message: 'adb not found' });
    return new Promise((resolve) => {
      execFile(
        adb.path,
        ['-s', device.serial, 'emu', 'kill'],
        { env: { ...process.env, ADB_SERVER_SOCKET: adbServerSocket(device.server) }, timeout: CONSOLE_TIMEOUT_MS * 2 },
        (error, stdout, stderr) => resolve(error ? { ok: false, message: (stderr || error.message).trim() } : { ok: true, message: stdout.trim() }),
      );
    });
  }
}

/** API level and ABI: the picker's description of an AVD. */
export function avdSummary(avd: Avd): string {
  return [avd.apiLevel !== undefined ? vscode.l10n.t('API {0}', avd.apiLevel) : undefined, avd.abi].filter(Boolean).join(' · ');
}
