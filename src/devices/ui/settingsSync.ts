// Reads the settings (validated in the model), finds adb, and applies both to the poller, at
// activation and on every change, without a reload. Each distinct problem is shown once.

import * as vscode from 'vscode';
import { DisposableBase } from '../../core/lifecycle';
import { AdbStatus } from '../model/adbStatus';
import { readSettings, SETTINGS_SECTION, SettingReader, WatcherSettings } from '../model/settings';
import { CapabilitySettings } from './capability';
import { DEFAULT_POLLER_CONFIG, PollerConfig } from '../../core/types';
import { inert } from './deviceText';

interface Contributed {
  parse(read: SettingReader, warnings: string[]): object;
  value: object;
}

export class SettingsSync extends DisposableBase implements CapabilitySettings {
  private current!: WatcherSettings;
  /** Each capability's settings, by its name, read with the rest. */
  private readonly contributed = new Map<string, Contributed>();
  private shownWarnings = new Set<string>();
  private readonly changed = this.register(new vscode.EventEmitter<WatcherSettings>());
  /** After every re-read, for the parts that read a setting directly (ANDROID_SERIAL, notices). */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly adb: AdbStatus,
    private readonly log: vscode.LogOutputChannel,
    private readonly apply: (config: PollerConfig, stopDeadlineMs: number) => Promise<void>,
  ) {
    super();
    this.read();
    this.register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(SETTINGS_SECTION)) void this.sync();
      }),
    );
  }

  get settings(): WatcherSettings {
    return this.current;
  }

  contribute<T extends object>(name: string, parse: (read: SettingReader, warnings: string[]) => T): () => T {
    // Only this capability's keys are read now (the rest were, at construction); its warnings join the shown ones.
    const warnings: string[] = [];
    const entry: Contributed = { parse, value: parse(this.reader(), warnings) };
    this.contributed.set(name, entry);
    this.report(warnings, [...this.shownWarnings, ...warnings]);
    return () => entry.value as T;
  }

  /** Every setting as read, the capabilities' included (the Troubleshoot report shows them). */
  get all(): Record<string, unknown> {
    return Object.assign({}, this.current, ...[...this.contributed.values()].map((entry) => entry.value));
  }

  /** Finds adb and builds the poller's config from the current settings. */
  async pollerConfig(): Promise<PollerConfig> {
    const search = await this.adb.refresh(this.current.adbPath, process.env);
    if (search.found) {
      this.log.info(`adb: ${search.found.path} (from ${search.found.source})`);
    } else {
      this.log.warn(`adb not found (${search.tried.map((t) => `${t.source}: ${t.path} ${t.problem}`).join('; ')})`);
    }
    return {
      ...DEFAULT_POLLER_CONFIG,
      servers: this.current.adbServers,
      pollIntervalMs: this.current.pollIntervalMs,
      adbPath: this.adb.executable,
      startServer: this.current.startAdbServer,
    };
  }

  private reader(): SettingReader {
    const configuration = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    return (key) => configuration.get(key);
  }

  private read(): void {
    const read = this.reader();
    const { settings, warnings } = readSettings(read, process.env);
    for (const entry of this.contributed.values()) entry.value = entry.parse(read, warnings);
    this.current = settings;
    this.changed.fire(settings);
    this.report(warnings, warnings);
  }

  /** Logs `warnings`; shows those not shown before; `shown` is what counts as shown from now on. */
  private report(warnings: readonly string[], shown: readonly string[]): void {
    const fresh = warnings.filter((warning) => !this.shownWarnings.has(warning));
    for (const warning of warnings) this.log.warn(warning);
    this.shownWarnings = new Set(shown);
    if (fresh.length > 0) {
      const open = vscode.l10n.t('Open Settings');
      void vscode.window
        .showWarningMessage(vscode.l10n.t('Android Device Watcher settings: {0}', inert(fresh.join('; '))), open)
        .then((choice) => choice === open && vscode.commands.executeCommand('workbench.action.openSettings', SETTINGS_SECTION));
    }
  }

  private async sync(): Promise<void> {
    this.read();
    try {
      await this.apply(await this.pollerConfig(), this.current.stopDeadlineMs);
    } catch (error) {
      this.log.error(`applying settings: ${(error as Error).message}`);
    }
  }
}
