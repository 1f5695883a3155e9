// The screen capability's registration: Take Screenshot (a command, and a camera button on each
// ready device's row in the picker), Start and Stop Screen Recording with a status-bar item per
// recording (its elapsed time; selecting it stops and saves), and the screenshotFolder setting.

import * as vscode from 'vscode';
import { toDisposable } from '../../core/lifecycle';
import { CommandResult, Device, effectiveState } from '../../core/types';
import { Capability, CapabilityContext, deviceArgument, textArgument } from '../../devices/ui/capability';
import { deviceFilesUri } from '../../devices/ui/deviceFilesUri';
import { deviceName, inert, plain, stateLabel } from '../../devices/ui/deviceText';
import { RecordingOutcome, ScreenRecorder, ScreenRecording } from '../model/screenRecorder';
import { takeScreenshot } from '../model/screenshot';
import { readScreenSettings, ScreenSettings } from '../model/screenSettings';
import { captureFolder, saveCapture, showSaved } from './screenFiles';

export const screenCapability: Capability = {
  id: 'screen',
  register(context) {
    new ScreenCommands(context);
  },
};

class ScreenCommands {
  private readonly settings: () => ScreenSettings;
  private readonly recorder: ScreenRecorder;
  /** Each recording's end as the user hears of it: saved and opened, or why not. */
  private readonly endings = new Map<ScreenRecording, Promise<CommandResult>>();
  private readonly items = new Set<RecordingItem>();

  constructor(private readonly context: CapabilityContext) {
    const { model, store, contributions, registerCommand, settings } = context;
    this.settings = settings.contribute('screen', readScreenSettings);
    // Pulled through the device file system of the files capability (DeviceFiles.read over adb's sync protocol).
    const pull = (device: Device, path: string) =>
      Promise.resolve(vscode.workspace.fs.readFile(deviceFilesUri(device, path)));
    this.recorder = store.add(new ScreenRecorder(model, pull));
    store.add(toDisposable(() => [...this.items].forEach((item) => item.dispose())));
    store.add(this.recorder.onDidChange(() => void vscode.commands.executeCommand('setContext', 'androidDeviceWatcher.screenRecording', this.recorder.active.length > 0)));

    // A serial as the argument (other extensions, tests); else the selected device, or a pick.
    registerCommand('takeScreenshot', async (serial?: unknown) => {
      const device = await this.chooseDevice(serial);
      return typeof device === 'object' && 'id' in device ? this.screenshot(device) : device;
    });
    registerCommand('startScreenRecording', async (serial?: unknown) => {
      const device = await this.chooseDevice(serial);
      return typeof device === 'object' && 'id' in device ? this.startRecording(device) : device;
    });
    registerCommand('stopScreenRecording', (serial?: unknown) => this.stopRecording(serial));
    store.add(
      contributions.addDeviceButton({
        icon: 'device-camera',
        tooltip: vscode.l10n.t('Take a screenshot'),
        appliesTo: (device) => effectiveState(device) === 'device',
        run: (device) => void this.screenshot(device),
      }),
    );
  }

  /** The device a command is for, or its result when there is none (undefined: the pick was dismissed). */
  private async chooseDevice(serial: unknown): Promise<Device | CommandResult | undefined> {
    const model = this.context.model;
    if (textArgument(serial) === undefined && !model.selection) {
      return (await vscode.commands.executeCommand<Device | undefined>('androidDeviceWatcher.pickDevice')) ?? undefined;
    }
    const named = deviceArgument(model, serial);
    // The selected device may have left since it was selected: only a listed one is used.
    const device = named && model.devices.find((d) => d.id === named.id);
    if (!device) {
      const message = vscode.l10n.t('{0} is not connected.', inert(textArgument(serial) ?? model.selection?.serial ?? ''));
      void vscode.window.showErrorMessage(message);
      return { ok: false, message };
    }
    return device;
  }

  /** A refusal when the device has left since it was shown (a picker row, a selection). */
  private notListed(device: Device): CommandResult | undefined {
    if (this.context.model.devices.some((d) => d.id === device.id)) return undefined;
    const message = vscode.l10n.t('{0} is not connected.', inert(deviceName(device)));
    void vscode.window.showErrorMessage(message);
    return { ok: false, message };
  }

  /** A refusal when the device cannot run commands now (offline, unauthorized, booting…). */
  private notReady(device: Device, what: 'screenshot' | 'recording'): CommandResult | undefined {
    const state = effectiveState(device);
    if (state === 'device') return undefined;
    const message =
      what === 'screenshot'
        ? vscode.l10n.t('{0} is not ready ({1}): its screen cannot be captured now.', inert(deviceName(device)), stateLabel(state))
        : vscode.l10n.t('{0} is not ready ({1}): its screen cannot be recorded now.', inert(deviceName(device)), stateLabel(state));
    void vscode.window.showErrorMessage(message);
    return { ok: false, message };
  }

  private folder(): vscode.Uri {
    return captureFolder(this.settings().screenshotFolder, this.context.extension.globalStorageUri);
  }

  async screenshot(device: Device): Promise<CommandResult> {
    const refusal = this.notListed(device) ?? this.notReady(device, 'screenshot');
    if (refusal) return refusal;
    const name = deviceName(device);
    const at = new Date();
    const shot = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Taking a screenshot of {0}', plain(name)) }, () =>
      takeScreenshot(this.context.model, device),
    );
    if (!shot.ok) {
      this.context.log.warn(`screenshot of ${device.serial}: ${shot.message}${shot.said ? ` (${shot.said})` : ''}`);
      const message =
        shot.problem === 'gone'
          ? vscode.l10n.t('{0} left before its screenshot was taken.', inert(name))
          : shot.problem === 'not-png'
            ? vscode.l10n.t('{0} did not answer with a PNG image, so no screenshot was saved. It said: {1}', inert(name), inert(shot.said || '-'))
            : vscode.l10n.t('Could not take a screenshot of {0}: {1}', inert(name), inert(shot.message));
      void vscode.window.showErrorMessage(message);
      return { ok: false, message };
    }
    return this.save(name, at, 'png', shot.png, (file) => vscode.l10n.t('Saved a {0}×{1} screenshot of {2} as {3}.', shot.width, shot.height, inert(name), file));
  }

  private async save(name: string, at: Date, extension: 'png' | 'mp4', bytes: Uint8Array, said: (file: string) => string): Promise<CommandResult> {
    let uri: vscode.Uri;
    try {
      uri = await saveCapture(this.folder(), name, at, extension, bytes);
    } catch (error) {
      const message = vscode.l10n.t('Could not save the file in {0}: {1}', this.folder().fsPath, (error as Error).message);
      void vscode.window.showErrorMessage(message);
      return { ok: false, message };
    }
    this.context.log.info(`saved ${uri.toString()}`);
    await showSaved(uri, said(uri.path.slice(uri.path.lastIndexOf('/') + 1)));
    return { ok: true, message: uri.toString() };
  }

  private async startRecording(device: Device): Promise<CommandResult> {
    const refusal = this.notListed(device) ?? this.notReady(device, 'recording');
    if (refusal) return refusal;
    const name = deviceName(device);
    if (this.recorder.recordingOf(device)) {
      const message = vscode.l10n.t('The screen of {0} is already being recorded.', inert(name));
      void vscode.window.showInformationMessage(message);
      return { ok: false, message };
    }
    const at = new Date();
    const started = await this.recorder.start(device);
    if (!started.ok) {
      const message = vscode.l10n.t('Could not record the screen of {0}: {1}', inert(name), inert(started.message));
      void vscode.window.showErrorMessage(message);
      return { ok: false, message };
    }
    const recording = started.recording;
    this.context.log.info(`recording the screen of ${device.serial} to ${recording.path}`);
    const item = new RecordingItem(recording, name);
    this.items.add(item);
    const done = () => {
      item.dispose();
      this.items.delete(item);
      this.endings.delete(recording);
    };
    this.endings.set(
      recording,
      recording.finished.then(
        async (outcome) => {
          // The item goes at once; the recording stays "running" for the stop command until it is saved.
          item.dispose();
          try {
            return await this.ended(name, at, outcome);
          } finally {
            done();
          }
        },
        (error: unknown) => {
          done();
          return { ok: false, message: (error as Error).message };
        },
      ),
    );
    return { ok: true, message: recording.path };
  }

  /** Stops the recording of the device the serial names, else the only one, else one picked. */
  private async stopRecording(serial: unknown): Promise<CommandResult | undefined> {
    // Those being saved too: a stop then waits for the save that is under way.
    const active = [...this.endings.keys()];
    let recording: ScreenRecording | undefined;
    if (textArgument(serial) !== undefined) recording = active.find((r) => r.device.serial === serial);
    else if (active.length <= 1) recording = active[0];
    else {
      const picked = await vscode.window.showQuickPick(
        active.map((r) => ({ label: plain(deviceName(r.device)), description: r.device.serial, recording: r })),
        { placeHolder: vscode.l10n.t('Stop which screen recording?') },
      );
      if (!picked) return undefined;
      recording = picked.recording;
    }
    const ending = recording && this.endings.get(recording);
    if (!recording || !ending) {
      const message = vscode.l10n.t('No screen recording is running.');
      void vscode.window.showInformationMessage(message);
      return { ok: false, message };
    }
    void recording.stop();
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Saving the screen recording of {0}…', plain(deviceName(recording.device))) },
      () => ending,
    );
  }

  /** What the user hears when a recording ended: saved and opened, or why there is nothing. */
  private async ended(name: string, at: Date, outcome: RecordingOutcome): Promise<CommandResult> {
    const seconds = Math.round(outcome.durationMs / 1000);
    this.context.log.info(`screen recording of ${name} ended: ${outcome.kind}${outcome.message ? ` (${outcome.message})` : ''}`);
    switch (outcome.kind) {
      case 'stopped':
      case 'time-limit':
      case 'ended': {
        const video = outcome.video!;
        return this.save(name, at, 'mp4', video, (file) =>
          outcome.kind === 'time-limit'
            ? vscode.l10n.t('The screen recording of {0} reached its limit of {1} seconds and stopped; it is saved as {2}.', inert(name), seconds, file)
            : outcome.kind === 'ended'
              ? vscode.l10n.t('The screen recording of {0} was ended on the device after {1} seconds; it is saved as {2}.', inert(name), seconds, file)
              : vscode.l10n.t('Saved a {0}-second screen recording of {1} as {2}.', seconds, inert(name), file),
        );
      }
      case 'device-gone': {
        const message = vscode.l10n.t('{0} left while its screen was being recorded: the recording is lost.', inert(name));
        void vscode.window.showWarningMessage(message);
        return { ok: false, message };
      }
      case 'disposed':
        return { ok: false, message: 'the extension stopped the recording' };
      case 'failed': {
        const message = vscode.l10n.t('The screen recording of {0} failed: {1}', inert(name), inert(outcome.message ?? ''));
        void vscode.window.showErrorMessage(message);
        return { ok: false, message };
      }
    }
  }
}

/** A recording's status-bar item: the device, the time it has run; selecting it stops the recording. */
class RecordingItem {
  private static next = 0;
  private readonly item: vscode.StatusBarItem;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly recording: ScreenRecording,
    private readonly name: string,
  ) {
    this.item = vscode.window.createStatusBarItem(`androidDeviceWatcher.screenRecording.${RecordingItem.next++}`, vscode.StatusBarAlignment.Left, 99);
    this.item.name = vscode.l10n.t('Screen Recording');
    this.item.command = { command: 'androidDeviceWatcher.stopScreenRecording', title: vscode.l10n.t('Stop Screen Recording'), arguments: [recording.device.serial] };
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    this.update();
    this.item.show();
    // The elapsed time, once a second while it records.
    this.timer = setInterval(() => this.update(), 1000);
  }

  private update(): void {
    const seconds = Math.floor(this.recording.elapsedMs / 1000);
    const time = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
    this.item.text = `$(debug-stop) ${plain(this.name)} ${time}`;
    this.item.tooltip = vscode.l10n.t('Recording the screen of {0} ({1} of at most {2} seconds). Select to stop and save it.', this.name, time, this.recording.timeLimitSec);
    this.item.accessibilityInformation = { label: vscode.l10n.t('Stop recording the screen of {0}, recording for {1} seconds', this.name, seconds), role: 'button' };
  }

  dispose(): void {
    clearInterval(this.timer);
    this.item.dispose();
  }
}
