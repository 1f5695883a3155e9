// A device's storage as a folder in VS Code: a FileSystemProvider for `android-device://SERIAL@SERVER/path`.
// The authority names the device by its serial on its adb server (so a folder survives a
// reconnect); every call reaches its current connection (model/deviceFiles.ts). Errors are VS
// Code's FileSystemErrors with adbd's words; a device that left makes its folders Unavailable,
// and they are refreshed when it returns. Large transfers show their progress.

import * as vscode from 'vscode';
import { DisposableBase } from '../../core/lifecycle';
import { WatcherModel } from '../../devices/model/watcherModel';
import { DEVICE_FILES_SCHEME } from '../../devices/ui/deviceFilesUri';
import { DeviceAddress, DeviceFileError, DeviceFiles, FileInfo } from '../model/deviceFiles';

/** Transfers this large show a progress notification. */
const PROGRESS_FROM_BYTES = 8 * 1024 * 1024;

export function addressOf(uri: vscode.Uri): DeviceAddress {
  const at = uri.authority.lastIndexOf('@');
  if (at <= 0) throw vscode.FileSystemError.Unavailable(`${uri.toString()} names no device (android-device://SERIAL@SERVER/path)`);
  return { serial: uri.authority.slice(0, at), server: uri.authority.slice(at + 1) };
}

/** The path on the device: absolute, `.` and `..` already resolved by VS Code's URI (nothing escapes `/`). */
function devicePath(uri: vscode.Uri): string {
  const path = uri.path === '' ? '/' : uri.path;
  if (path.split('/').some((part) => part === '..')) throw vscode.FileSystemError.NoPermissions(`${path}: ".." is not followed`);
  return path;
}

export class DeviceFileSystem extends DisposableBase implements vscode.FileSystemProvider {
  private readonly changed = this.register(new vscode.EventEmitter<vscode.FileChangeEvent[]>());
  readonly onDidChangeFile = this.changed.event;
  /** Devices whose folders were shown, and whether each was reachable then. */
  private readonly seen = new Map<string, boolean>();

  constructor(
    private readonly files: DeviceFiles,
    model: WatcherModel,
  ) {
    super();
    // A device that leaves or comes back: its folders are read again (they say why, or show it).
    this.register(
      model.onDidChange(() => {
        for (const [authority, reachable] of this.seen) {
          const uri = vscode.Uri.from({ scheme: DEVICE_FILES_SCHEME, authority, path: '/' });
          const now = this.reachable(addressOf(uri));
          if (now === reachable) continue;
          this.seen.set(authority, now);
          const roots = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === DEVICE_FILES_SCHEME && folder.uri.authority === authority);
          this.changed.fire([uri, ...roots.map((root) => root.uri)].map((changed) => ({ type: vscode.FileChangeType.Changed, uri: changed })));
        }
      }),
    );
  }

  watch(): vscode.Disposable {
    // A device's files change without telling anyone: what changes through here is announced.
    return new vscode.Disposable(() => undefined);
  }

  stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    return this.call(uri, async (address, path) => fileStat(await this.files.stat(address, path)));
  }

  readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    return this.call(uri, async (address, path) => (await this.files.list(address, path)).map(([name, entry]) => [name, fileType(entry)]));
  }

  readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return this.call(uri, async (address, path) => {
      const found = await this.files.stat(address, path);
      if (found.size < PROGRESS_FROM_BYTES) return this.files.read(address, path, undefined, found);
      return this.withProgress(vscode.l10n.t('Reading {0} from the device', path), found.size, (report) => this.files.read(address, path, report, found));
    });
  }

  writeFile(uri: vscode.Uri, content: Uint8Array, options: { create: boolean; overwrite: boolean }): Promise<void> {
    return this.call(uri, async (address, path) => {
      const write = (report?: (done: number) => void) => this.files.write(address, path, content, options, report);
      const { created } = content.length < PROGRESS_FROM_BYTES ? await write() : await this.withProgress(vscode.l10n.t('Writing {0} to the device', path), content.length, write);
      this.changed.fire([{ type: created ? vscode.FileChangeType.Created : vscode.FileChangeType.Changed, uri }]);
    });
  }

  createDirectory(uri: vscode.Uri): Promise<void> {
    return this.call(uri, async (address, path) => {
      await this.files.makeFolder(address, path);
      this.changed.fire([{ type: vscode.FileChangeType.Created, uri }]);
    });
  }

  delete(uri: vscode.Uri, options: { recursive: boolean }): Promise<void> {
    return this.call(uri, async (address, path) => {
      await this.files.delete(address, path, options.recursive);
      this.changed.fire([{ type: vscode.FileChangeType.Deleted, uri }]);
    });
  }

  rename(oldUri: vscode.Uri, newUri: vscode.Uri, options: { overwrite: boolean }): Promise<void> {
    return this.call(oldUri, async (address, path) => {
      if (newUri.authority !== oldUri.authority) throw vscode.FileSystemError.Unavailable('a file moves within one device only');
      await this.files.rename(address, path, devicePath(newUri), options.overwrite);
      this.changed.fire([
        { type: vscode.FileChangeType.Deleted, uri: oldUri },
        { type: vscode.FileChangeType.Created, uri: newUri },
      ]);
    });
  }

  private reachable(address: DeviceAddress): boolean {
    try {
      this.files.deviceAt(address);
      return true;
    } catch {
      return false;
    }
  }

  /** Runs one operation; its failure comes out as the FileSystemError VS Code expects. */
  private async call<T>(uri: vscode.Uri, operation: (address: DeviceAddress, path: string) => Promise<T>): Promise<T> {
    const address = addressOf(uri);
    this.seen.set(uri.authority, this.reachable(address));
    try {
      return await operation(address, devicePath(uri));
    } catch (error) {
      throw asFileSystemError(error, uri);
    }
  }

  private withProgress<T>(title: string, total: number, run: (report: (done: number) => void) => Promise<T>): Thenable<T> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, (progress) => {
      let shown = 0;
      return run((done) => {
        const percent = Math.floor((done / total) * 100);
        if (percent > shown) {
          progress.report({ increment: percent - shown, message: `${percent} % (${megabytes(done)} of ${megabytes(total)} MB)` });
          shown = percent;
        }
      });
    });
  }
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

function fileType(entry: FileInfo): vscode.FileType {
  const type = entry.type === 'folder' ? vscode.FileType.Directory : entry.type === 'file' ? vscode.FileType.File : vscode.FileType.Unknown;
  return entry.symbolicLink ? type | vscode.FileType.SymbolicLink : type;
}

function fileStat(entry: FileInfo): vscode.FileStat {
  // The device's clock, in ms; no creation time over adb.
  return { type: fileType(entry), size: entry.size, mtime: entry.mtime, ctime: entry.mtime };
}

function asFileSystemError(error: unknown, uri: vscode.Uri): Error {
  if (error instanceof vscode.FileSystemError) return error;
  if (!(error instanceof DeviceFileError)) return vscode.FileSystemError.Unavailable(`${uri.path}: ${(error as Error).message}`);
  const message = error.message;
  switch (error.kind) {
    case 'not-found':
      return vscode.FileSystemError.FileNotFound(message);
    case 'no-permission':
      return vscode.FileSystemError.NoPermissions(message);
    case 'exists':
      return vscode.FileSystemError.FileExists(message);
    case 'not-a-folder':
      return vscode.FileSystemError.FileNotADirectory(message);
    case 'is-a-folder':
      return vscode.FileSystemError.FileIsADirectory(message);
    case 'unavailable':
      return vscode.FileSystemError.Unavailable(message);
    default:
      return new vscode.FileSystemError(message);
  }
}
