// The emulators a user has: the AVDs of the AVD home (read from their files, never by starting
// `emulator -list-avds`), kept current by watching that folder. The picker lists what is not
// running; running ones are devices named by their AVD. `emulator` is looked for only to launch.

import { FSWatcher, watch } from 'node:fs';
import { Emitter } from '../../core/events';
import { DisposableBase, toDisposable } from '../../core/lifecycle';
import { AdbSearch, EMULATOR, locateAdb, Platform, THIS_PLATFORM } from '../../core/adbLocator';
import { androidUserHome, Avd, avdHome, listAvds } from './avdCatalog';

/** A burst of file events (an AVD being created writes several files) is read once. */
const SETTLE_MS = 100;

export class EmulatorCatalog extends DisposableBase {
  private listed: readonly Avd[] = [];
  private watcher?: FSWatcher;
  private settle?: NodeJS.Timeout;
  private reading?: Promise<void>;
  private readonly changed = this.register(new Emitter<void>());
  readonly onDidChange = this.changed.event;
  readonly home: string;
  private readonly userHome: string;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly platform: Platform = THIS_PLATFORM,
  ) {
    super();
    this.home = avdHome(env, platform);
    this.userHome = androidUserHome(env, platform);
    this.register(
      toDisposable(() => {
        clearTimeout(this.settle);
        this.watcher?.close();
      }),
    );
  }

  get avds(): readonly Avd[] {
    return this.listed;
  }

  /** The `emulator` executable, found like adb (the setting, the SDK variables, Android Studio's folder, PATH). */
  findEmulator(setting: string): Promise<AdbSearch> {
    return locateAdb(setting, this.env, this.platform, EMULATOR);
  }

  /** Reads the AVD home; the next changes come by themselves while its folder watch lives. */
  refresh(): Promise<void> {
    this.reading ??= (async () => {
      try {
        const listing = await listAvds(this.home, this.userHome);
        // Disposed during the read: no change to announce, and no watch to open (it would never close).
        if (this.store.isDisposed) return;
        if (JSON.stringify(listing.avds) !== JSON.stringify(this.listed)) {
          this.listed = listing.avds;
          this.changed.fire();
        }
        this.watchHome();
      } finally {
        this.reading = undefined;
      }
    })();
    return this.reading;
  }

  private watchHome(): void {
    if (this.watcher) return;
    try {
      this.watcher = watch(this.home, () => {
        clearTimeout(this.settle);
        this.settle = setTimeout(() => void this.refresh(), SETTLE_MS);
      });
      // A deleted AVD home ends the watch; the next refresh starts it again.
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // No AVD home yet: looked at again on the next refresh (each picker open).
    }
  }
}
