// Emulators from the picker and the palette: launch an AVD (normally, cold, or with its data
// wiped), follow it until adb lists it booted and select it, say why when it exits early or does
// not boot in time, and stop a running one. Where it runs decides how (model/emulatorControl.ts):
// the console on this machine, or a power-off through the adb server of another machine.

import * as os from 'node:os';
import * as vscode from 'vscode';
import { DisposableBase } from '../../core/lifecycle';
import { Avd } from '../model/avdCatalog';
import { EmulatorCatalog } from '../model/emulatorCatalog';
import { EmulatorControl, Registration } from '../model/emulatorControl';
import { EmulatorExit } from '../model/emulatorLauncher';
import { EmulatorSettings } from '../model/emulatorSettings';
import { WatcherModel } from '../../devices/model/watcherModel';
import { CommandResult, Device, effectiveState } from '../../core/types';
import { inert } from '../../devices/ui/deviceText';

export type LaunchMode = 'normal' | 'cold' | 'wipe';

export class EmulatorActions extends DisposableBase {
  private readonly control: EmulatorControl;

  constructor(
    private readonly catalog: EmulatorCatalog,
    private readonly model: WatcherModel,
    private readonly log: vscode.LogOutputChannel,
    logFolder: string,
    private readonly settings: () => EmulatorSettings,
  ) {
    super();
    this.control = new EmulatorControl(model, { env: process.env, home: os.homedir(), logFolder });
  }

  /** AVDs running on this machine (an emulator listed by another machine's adb server is not). */
  runningAvds(): Set<string> {
    return this.control.runningHere();
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
    // The emulator refuses a second instance of one AVD (still booting included); say so before it does.
    const alreadyRunning = () => {
      const message = vscode.l10n.t('{0} is already running.', avd.name);
      void vscode.window.showInformationMessage(message);
      return { ok: false, message };
    };
    if (this.runningAvds().has(avd.name)) return alreadyRunning();
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
    const outcome = await this.control.launch({ avd: avd.name, emulatorPath: emulator.path, coldBoot: mode === 'cold', wipeData: mode === 'wipe', extraArgs: emulatorArgs });
    if (outcome.kind === 'already-running') return alreadyRunning();
    if (outcome.kind === 'failed') {
      this.log.error(`could not start emulator ${avd.name} with ${emulator.path}: ${outcome.message}`);
      void vscode.window.showErrorMessage(vscode.l10n.t('Could not start {0}: {1}', avd.name, inert(outcome.message)));
      return { ok: false, message: outcome.message };
    }
    const { launched, registration } = outcome;
    this.log.info(
      `starting emulator ${avd.name} as ${launched.serial}: ${emulator.path} (from ${emulator.source}) ${launched.args.join(' ')} (registers with ${registration.server ?? `port ${registration.port ?? 'none'}, not watched`}; output in ${launched.logFile})`,
    );
    if (!registration.server) this.sayNotWatched(avd, registration);
    void this.follow(avd, { serial: launched.serial, server: registration.server }, launched.logFile, launched.exited, emulatorBootTimeoutSeconds * 1000);
    return { ok: true, message: launched.serial };
  }

  /** No adb server of this machine is watched: the emulator starts, and the watcher will not see it. */
  private sayNotWatched(avd: Avd, registration: Registration): void {
    const message =
      registration.port === undefined
        ? vscode.l10n.t('{0} is starting, but ANDROID_ADB_SERVER_PORT is not a port, so it registers with no adb server and will not be listed.', avd.name)
        : vscode.l10n.t(
            '{0} is starting and registers with the adb server on port {1} of this machine, which androidDeviceWatcher.adbServers does not name: it will not be listed here. Add 127.0.0.1:{1} to that setting to see it.',
            avd.name,
            String(registration.port),
          );
    this.log.warn(message);
    void vscode.window.showWarningMessage(message);
  }

  /**
   * Selects the emulator as soon as adb lists it (the status bar then says it is booting, and then
   * ready); reports an early exit or a slow boot. One that registers with a server not watched
   * (`server` undefined) cannot be seen booting: only an early exit is reported.
   */
  private async follow(avd: Avd, { serial, server }: { serial: string; server?: string }, logFile: string, exited: Promise<EmulatorExit>, bootTimeoutMs: number): Promise<void> {
    const bootDeadlineMs = server === undefined ? undefined : bootTimeoutMs;
    let selected = false;
    let subscription: vscode.Disposable | undefined;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      new Promise<{ kind: 'booted'; device: Device }>((resolve) => {
        if (bootDeadlineMs === undefined) return;
        const check = () => {
          const device = this.model.devices.find((d) => d.serial === serial && d.server === server && d.connection === 'emulator');
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
      new Promise<{ kind: 'slow' }>((resolve) => {
        if (bootDeadlineMs !== undefined) timer = setTimeout(() => resolve({ kind: 'slow' }), bootDeadlineMs);
      }),
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
      // Not watched, it may have run its course (stopped, its window closed): only a failure is news.
      if (bootDeadlineMs === undefined && code === 0) return;
      this.log.error(`emulator ${avd.name} exited (${code ?? signal}) before it booted:\n${lastLines.join('\n')}`);
      void offerLog(
        Promise.resolve(
          vscode.window.showErrorMessage(vscode.l10n.t('The emulator {0} exited ({1}) before it booted: {2}', avd.name, String(code ?? signal), inert(lastLines.slice(-2).join(' '))), showLog),
        ),
      );
    } else {
      const seconds = bootTimeoutMs / 1000;
      this.log.warn(`emulator ${avd.name} (${serial}) has not booted after ${seconds} s`);
      void offerLog(
        Promise.resolve(
          vscode.window.showWarningMessage(vscode.l10n.t('The emulator {0} has not finished booting after {1} seconds (androidDeviceWatcher.emulatorBootTimeoutSeconds); it may still come up.', avd.name, seconds), showLog),
        ),
      );
    }
  }

  /** Through its console on this machine, else through the adb server that lists it; a failure is shown. */
  async stop(device: Device): Promise<CommandResult> {
    const outcome = await this.control.stop(device);
    if (outcome.ok) {
      this.log.info(`stopping ${device.serial} of ${device.server}: ${outcome.via === 'console' ? 'through its console' : outcome.message}`);
      return { ok: true, message: outcome.message };
    }
    this.log.warn(`could not stop ${device.serial} of ${device.server}: ${outcome.message}`);
    void vscode.window.showErrorMessage(
      outcome.elsewhere
        ? vscode.l10n.t('{0} runs on the machine of the adb server {1} and is {2} there: it can be stopped only through that server once it is online, or on that machine.', inert(device.serial), inert(outcome.elsewhere), device.state)
        : vscode.l10n.t('Could not stop {0}: {1}', inert(device.serial), inert(outcome.message)),
    );
    return { ok: false, message: outcome.message };
  }
}

/** API level and ABI: the picker's description of an AVD. */
export function avdSummary(avd: Avd): string {
  return [avd.apiLevel !== undefined ? vscode.l10n.t('API {0}', avd.apiLevel) : undefined, avd.abi].filter(Boolean).join(' · ');
}
