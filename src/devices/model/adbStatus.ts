// Which adb executable the extension uses, found again whenever the setting or the environment
// may have changed. The status bar and the shell command read it; the worker only gets its path.

import { Emitter } from '../../core/events';
import { AdbSearch, locateAdb } from '../../core/adbLocator';

export class AdbStatus {
  private current?: AdbSearch;
  private readonly changed = new Emitter<AdbSearch>();
  readonly onDidChange = this.changed.event;

  get search(): AdbSearch | undefined {
    return this.current;
  }

  /** The path handed to the worker: the one found, or plain `adb` (the server start then reports it missing). */
  get executable(): string {
    return this.current?.found?.path ?? 'adb';
  }

  async refresh(setting: string, env: NodeJS.ProcessEnv): Promise<AdbSearch> {
    const search = await locateAdb(setting, env);
    if (JSON.stringify(search) !== JSON.stringify(this.current)) {
      this.current = search;
      this.changed.fire(search);
    }
    return search;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
