// How a capability joins the extension: one `register(context)` that contributes its commands,
// its picker rows (a section of its own, buttons on device rows, a help row), its settings and its
// Troubleshoot section. The devices capability owns the picker, the settings and the report, so
// the registry lives here and every capability stands on it; the devices capability never
// imports another one (docs/architecture.md, "The house").

import * as vscode from 'vscode';
import { DisposableStore, toDisposable } from '../../core/lifecycle';
import { Device, ServerState } from '../../core/types';
import type { CapabilityChannel } from '../../core/supervisor/capabilityChannel';
import { SettingReader } from '../model/settings';
import { WatcherModel } from '../model/watcherModel';

/** A row of a capability's picker section. Accepting it runs `accept`; the picker then closes. */
export interface PickerRow {
  /** Stable across redraws (the picker keeps the user's place by it). */
  id: string;
  label: string;
  description?: string;
  detail?: string;
  buttons?: readonly PickerRowButton[];
  accept(): void;
}

export interface PickerRowButton {
  icon: string;
  tooltip: string;
  run(): void;
}

/** A group of rows under its own heading, below the devices (an AVD not running, a phone on the network). */
export interface PickerSection {
  title: string;
  /** The rows to show now, given the devices the picker shows. */
  rows(devices: readonly Device[]): readonly PickerRow[];
  /** When the rows may have changed: the open picker redraws. */
  onDidChange: vscode.Event<unknown>;
  /** Runs while a picker is open (a browse, a re-read); disposed when it closes. */
  whileShown?(): vscode.Disposable;
}

/** A button on each device row it applies to. */
export interface DeviceRowButton {
  icon: string;
  tooltip: string;
  appliesTo(device: Device): boolean;
  run(device: Device): void;
}

/** A row of the picker's Help group: runs a command. */
export interface HelpRow {
  icon: string;
  label: string;
  command: string;
}

/** A section of the Troubleshoot report: Markdown lines, facts only (device data escaped by the section). */
export interface TroubleshootSection {
  title: string;
  lines(servers: readonly ServerState[]): Promise<string[]>;
}

/** Everything capabilities contributed, in registration order; the picker and the report read it. */
export class Contributions {
  private readonly lists = {
    sections: [] as PickerSection[],
    deviceButtons: [] as DeviceRowButton[],
    helpRows: [] as HelpRow[],
    troubleshoot: [] as TroubleshootSection[],
  };

  get pickerSections(): readonly PickerSection[] {
    return this.lists.sections;
  }
  get deviceButtons(): readonly DeviceRowButton[] {
    return this.lists.deviceButtons;
  }
  get helpRows(): readonly HelpRow[] {
    return this.lists.helpRows;
  }
  get troubleshootSections(): readonly TroubleshootSection[] {
    return this.lists.troubleshoot;
  }

  addPickerSection(section: PickerSection): vscode.Disposable {
    return this.add(this.lists.sections, section);
  }
  addDeviceButton(button: DeviceRowButton): vscode.Disposable {
    return this.add(this.lists.deviceButtons, button);
  }
  addHelpRow(row: HelpRow): vscode.Disposable {
    return this.add(this.lists.helpRows, row);
  }
  addTroubleshootSection(section: TroubleshootSection): vscode.Disposable {
    return this.add(this.lists.troubleshoot, section);
  }

  private add<T>(list: T[], item: T): vscode.Disposable {
    list.push(item);
    return toDisposable(() => {
      const at = list.indexOf(item);
      if (at >= 0) list.splice(at, 1);
    });
  }
}

/** A capability's settings, read and validated with the rest on every change (warnings shown with theirs). */
export interface CapabilitySettings {
  /** `parse` reads this capability's keys; it returns a sane value and pushes one warning per bad one. */
  contribute<T extends object>(name: string, parse: (read: SettingReader, warnings: string[]) => T): () => T;
}

/** What a capability is given when it registers. Everything it makes goes into `store`. */
export interface CapabilityContext {
  readonly extension: vscode.ExtensionContext;
  readonly model: WatcherModel;
  readonly log: vscode.LogOutputChannel;
  readonly settings: CapabilitySettings;
  readonly contributions: Contributions;
  readonly store: DisposableStore;
  /** Registers `androidDeviceWatcher.<id>` (declared in package.json) for the life of the extension. */
  registerCommand(id: string, callback: (...args: never[]) => unknown): void;
  /**
   * The host end of this capability's worker part (registered in src/poller/workerMain.ts), for
   * work off the extension host's thread; it outlives the watcher's restarts.
   */
  workerChannel<ToWorker, FromWorker>(name: string): CapabilityChannel<ToWorker, FromWorker>;
}

export interface Capability {
  readonly id: string;
  register(context: CapabilityContext): void;
}

export const COMMAND_PREFIX = 'androidDeviceWatcher.';

/** A command's argument when it is a string (other extensions and tests pass them). */
export function textArgument(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The device a serial argument names, or the selected one when there is no argument. */
export function deviceArgument(model: WatcherModel, serial: unknown): Device | undefined {
  return textArgument(serial) !== undefined ? model.devices.find((d) => d.serial === serial) : model.selection?.device;
}
