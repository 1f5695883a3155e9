// A device's files, as the files capability's provider asks for them: the device is named by its
// adb server and serial (stable across reconnects); each call reaches its current connection by
// transport id. One sync session per connection, opened on first use and again after it ended.
// Errors come out as a kind (not found, no permission, exists, unavailable) and adbd's words.

import { DisposableBase, toDisposable } from '../../core/lifecycle';
import { Device } from '../../core/types';
import { serviceTarget, WatcherModel } from '../../devices/model/watcherModel';
import { STREAM_WINDOW_BYTES } from '../../poller/deviceServiceProtocol';
import { deleteCommand, makeFolderCommand, renameCommand } from './deviceShell';
import { isDirectory, isFile, isSymbolicLink, S_IFREG, SyncEntry, SyncStat } from './syncProtocol';
import { SyncError, SyncSession, TransferProgress } from './syncSession';

export type FileErrorKind = 'not-found' | 'no-permission' | 'exists' | 'not-a-folder' | 'is-a-folder' | 'unavailable' | 'other';

export class DeviceFileError extends Error {
  constructor(
    readonly kind: FileErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** Which device a folder of the provider names: its adb server and its serial. */
export interface DeviceAddress {
  server: string;
  serial: string;
}

export type EntryType = 'file' | 'folder' | 'other';

export interface FileInfo {
  type: EntryType;
  symbolicLink: boolean;
  size: number;
  /** Milliseconds since the epoch. */
  mtime: number;
  mode: number;
}

/** Mode bits a new file gets (rw-r--r--), as `adb push` gives a typical file. */
const NEW_FILE_MODE = S_IFREG | 0o644;

/** The deadline of a shell command here (mkdir, rm, mv): a large folder's rm takes a while. */
const SHELL_TIMEOUT_MS = 60_000;

/**
 * A window opened with a device's folder asks for it before the watcher has its first list: that
 * long at most is waited for the device to be listed before it is said to be not connected.
 */
const FIRST_LIST_WAIT_MS = 15_000;

/** A session unused this long is closed: an open one holds a connection to the adb server and the device. */
const SESSION_IDLE_MS = 20_000;

export class DeviceFiles extends DisposableBase {
  private readonly sessions = new Map<string, SyncSession>();
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  /** Requests in flight per session: it is idle only at none. */
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly model: WatcherModel) {
    super();
    this.register(toDisposable(() => this.closeAll()));
    // A connection that left took its session with it (the stream ended device-gone).
    this.register(
      model.onDidChange(({ devices }) => {
        for (const gone of devices.removed) for (const key of [...this.sessions.keys()]) if (key.startsWith(`${gone.id}#`)) this.sessions.delete(key);
      }),
    );
  }

  /** The device listed now at this address, ready; else why it cannot be reached. */
  deviceAt(address: DeviceAddress): Device {
    const matches = this.model.devices.filter((d) => d.server === address.server && d.serial === address.serial);
    const device = matches.length > 0 ? matches : this.model.devices.filter((d) => d.server === address.server && d.serial.toLowerCase() === address.serial.toLowerCase());
    if (device.length > 1) throw new DeviceFileError('unavailable', `two devices on ${address.server} have the serial ${address.serial}: unplug one to use its files`);
    const found = device[0];
    if (!found) throw new DeviceFileError('unavailable', `${address.serial} is not connected to ${address.server}`);
    if (found.state !== 'device') throw new DeviceFileError('unavailable', `${address.serial} is ${found.state}, not ready`);
    return found;
  }

  async stat(address: DeviceAddress, path: string): Promise<FileInfo> {
    const stat = await this.sync(address, (session) => session.lstat(path));
    if (stat.mode === 0) throw new DeviceFileError('not-found', `${path}: No such file or directory`);
    if (!isSymbolicLink(stat.mode)) return info(stat, false);
    // v1 STAT does not follow links; "path/" does, when the link leads to a folder.
    const target = await this.sync(address, (session) => session.lstat(`${path.replace(/\/+$/, '')}/`));
    return target.mode !== 0 && isDirectory(target.mode) ? { ...info(target, true), type: 'folder' } : info(stat, true);
  }

  /**
   * A folder's entries, links followed to tell a folder from a file. v1 LIST answers an unreadable
   * folder as an empty one: empty and not readable by others (the shell user is an "other" on
   * every folder it does not own) is said to be a permission problem.
   */
  async list(address: DeviceAddress, path: string): Promise<[string, FileInfo][]> {
    const folder = await this.stat(address, path);
    if (folder.type !== 'folder') throw new DeviceFileError('not-a-folder', `${path}: Not a directory`);
    const entries = await this.sync(address, (session) => session.list(path));
    if (entries.length === 0 && (folder.mode & 0o004) === 0) throw new DeviceFileError('no-permission', `${path}: Permission denied`);
    const base = path.endsWith('/') ? path : `${path}/`;
    return Promise.all(
      entries.map(async (entry): Promise<[string, FileInfo]> => [entry.name, isSymbolicLink(entry.mode) ? await this.linkInfo(address, base + entry.name, entry) : info(entry, false)]),
    );
  }

  /** `known`: its stat, when the caller just read it (one round trip less). */
  async read(address: DeviceAddress, path: string, progress?: TransferProgress, known?: FileInfo): Promise<Uint8Array> {
    const found = known ?? (await this.stat(address, path));
    if (found.type === 'folder') throw new DeviceFileError('is-a-folder', `${path}: Is a directory`);
    return this.sync(address, (session) => session.read(path, progress, found.size));
  }

  /** Writes a file whole; `create` / `overwrite` as VS Code's provider contract says. Resolves whether it made a new file. */
  async write(address: DeviceAddress, path: string, bytes: Uint8Array, options: { create: boolean; overwrite: boolean }, progress?: TransferProgress): Promise<{ created: boolean }> {
    const existing = await this.stat(address, path).catch((error: unknown) => {
      if (error instanceof DeviceFileError && error.kind === 'not-found') return undefined;
      throw error;
    });
    if (existing?.type === 'folder') throw new DeviceFileError('is-a-folder', `${path}: Is a directory`);
    if (!existing && !options.create) throw new DeviceFileError('not-found', `${path}: No such file or directory`);
    if (existing && !options.overwrite) throw new DeviceFileError('exists', `${path}: File exists`);
    // A file keeps its mode; a new one gets rw-r--r--.
    const mode = existing && isFile(existing.mode) ? existing.mode : NEW_FILE_MODE;
    await this.sync(address, (session) => session.write(path, bytes, mode, Math.floor(Date.now() / 1000), progress));
    return { created: !existing };
  }

  async makeFolder(address: DeviceAddress, path: string): Promise<void> {
    if (await this.exists(address, path)) throw new DeviceFileError('exists', `${path}: File exists`);
    await this.shell(address, makeFolderCommand(path));
  }

  async delete(address: DeviceAddress, path: string, recursive: boolean): Promise<void> {
    const found = await this.stat(address, path);
    if (found.type === 'folder' && !found.symbolicLink && !recursive && (await this.list(address, path)).length > 0) {
      throw new DeviceFileError('other', `${path}: Directory not empty`);
    }
    await this.shell(address, deleteCommand(path, found.type === 'folder' && !found.symbolicLink));
    if (await this.exists(address, path)) throw new DeviceFileError('no-permission', `${path}: could not be deleted`);
  }

  async rename(address: DeviceAddress, from: string, to: string, overwrite: boolean): Promise<void> {
    await this.stat(address, from);
    if (!overwrite && (await this.exists(address, to))) throw new DeviceFileError('exists', `${to}: File exists`);
    await this.shell(address, renameCommand(from, to));
  }

  /** Ends the session of every connection: the watcher stopped, or the provider goes. */
  closeAll(): void {
    for (const session of this.sessions.values()) session.close();
    this.sessions.clear();
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
  }

  private async exists(address: DeviceAddress, path: string): Promise<boolean> {
    return (await this.sync(address, (session) => session.lstat(path))).mode !== 0;
  }

  private async linkInfo(address: DeviceAddress, path: string, link: SyncEntry): Promise<FileInfo> {
    const target = await this.sync(address, (session) => session.lstat(`${path}/`));
    return target.mode !== 0 && isDirectory(target.mode) ? { ...info(target, true), type: 'folder' } : info(link, true);
  }

  /** The device, once the watcher has listed its server (right after a start it has not yet). */
  private async listed(address: DeviceAddress): Promise<Device> {
    const deadline = Date.now() + FIRST_LIST_WAIT_MS;
    for (;;) {
      try {
        return this.deviceAt(address);
      } catch (error) {
        const state = this.model.state;
        const settling = state === 'idle' || state === 'starting' || state === 'restarting' || (state === 'running' && this.model.awaitingFirstList);
        const left = deadline - Date.now();
        if (!settling || left <= 0) throw error;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, left);
          const subscription = this.model.onDidChange(done);
          function done() {
            clearTimeout(timer);
            subscription.dispose();
            resolve();
          }
        });
      }
    }
  }

  /** Runs `request` on the device's sync session, opening one when there is none or it ended. */
  private async sync<T>(address: DeviceAddress, request: (session: SyncSession) => Promise<T>): Promise<T> {
    const device = await this.listed(address);
    const key = `${device.id}#${device.transportId ?? ''}`;
    const session = () => {
      let current = this.sessions.get(key);
      if (!current?.usable) {
        // The largest window: a pulled file streams at full speed; it is read as it comes.
        current = new SyncSession(this.model.controls.openDeviceStream(serviceTarget(device), 'sync:', { windowBytes: STREAM_WINDOW_BYTES.max }));
        this.sessions.set(key, current);
      }
      return current;
    };
    clearTimeout(this.idleTimers.get(key));
    this.idleTimers.delete(key);
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    try {
      return await request(session());
    } catch (error) {
      // A service the device closed while idle is opened again, once; a device gone is said at once.
      if (error instanceof SyncError && error.end?.reason === 'closed') {
        try {
          return await request(session());
        } catch (again) {
          throw asFileError(again, device);
        }
      }
      throw asFileError(error, device);
    } finally {
      this.closeWhenIdle(key);
    }
  }

  private closeWhenIdle(key: string): void {
    const left = (this.inFlight.get(key) ?? 1) - 1;
    if (left > 0) {
      this.inFlight.set(key, left);
      return;
    }
    this.inFlight.delete(key);
    clearTimeout(this.idleTimers.get(key));
    const timer = setTimeout(() => {
      this.idleTimers.delete(key);
      this.sessions.get(key)?.close();
      this.sessions.delete(key);
    }, SESSION_IDLE_MS);
    timer.unref();
    this.idleTimers.set(key, timer);
  }

  /** An exec: command; any output is its complaint (these commands print nothing when they work). */
  private async shell(address: DeviceAddress, command: string): Promise<void> {
    const device = await this.listed(address);
    const result = await this.model.controls.requestDeviceService(serviceTarget(device), command, { timeoutMs: SHELL_TIMEOUT_MS });
    if (!result.ok) throw new DeviceFileError(result.end.reason === 'device-gone' ? 'unavailable' : 'other', result.end.message);
    const said = Buffer.from(result.data).toString('utf8').trim();
    if (said) throw new DeviceFileError(/Permission denied|Read-only file system/i.test(said) ? 'no-permission' : /No such file/i.test(said) ? 'not-found' : 'other', said);
  }
}

function info(stat: SyncStat, symbolicLink: boolean): FileInfo {
  return { type: isDirectory(stat.mode) ? 'folder' : isFile(stat.mode) ? 'file' : 'other', symbolicLink, size: stat.size, mtime: stat.mtime * 1000, mode: stat.mode };
}

/** adbd's words, by kind; a stream that ended (device gone, watcher paused) is `unavailable`. */
function asFileError(error: unknown, device: Device): DeviceFileError {
  if (error instanceof DeviceFileError) return error;
  if (error instanceof SyncError) {
    if (error.end) return new DeviceFileError('unavailable', `${device.serial}: ${error.message}`);
    const text = error.message;
    if (/No such file or directory/i.test(text)) return new DeviceFileError('not-found', text);
    if (/Permission denied|Read-only file system|Operation not permitted/i.test(text)) return new DeviceFileError('no-permission', text);
    if (/Is a directory/i.test(text)) return new DeviceFileError('is-a-folder', text);
    if (/Not a directory/i.test(text)) return new DeviceFileError('not-a-folder', text);
    return new DeviceFileError('other', text);
  }
  return new DeviceFileError('other', (error as Error).message);
}

