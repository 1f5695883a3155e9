// The device side of files: `sync:` (./syncService.ts), the file shell commands and run-as
// (./fileCommands.ts), and a test control to seed and inspect the device's files
// (`lab.control(port, 'files', action, payload)`), on one in-memory file system per device.

import { runAs, runFileCommand, wordsOf } from './fileCommands';
import { AID, Credentials, FsNode, SHELL, SimFileSystem, absolute, statOf } from './fileSystem';
import { SimCapability, SimDeviceContext, SimStream, ShellInvocation } from './simService';
import { SYNC_FEATURES, deviceFiles, syncRequestCounts, syncService } from './syncService';

/** What a control reports of one file, folder or symlink. */
export interface SimFileInfo {
  name: string;
  type: 'dir' | 'file' | 'link';
  mode: number;
  size: number;
  mtime: number;
  uid: number;
  gid: number;
  target?: string;
}

export interface FilesWrite {
  path: string;
  /** The bytes, base64 (the lab's IPC carries JSON); `text` instead for UTF-8 text. */
  base64?: string;
  text?: string;
  /** Permission bits (default 0660). */
  perm?: number;
  mtime?: number;
  /** Owner and group (default: those of the folder it goes into, as on shared storage). */
  uid?: number;
  gid?: number;
}

export interface FilesPopulate {
  /** Made (with parents) if missing. */
  dir: string;
  count: number;
  /** Names are `${prefix}${index}` (default `file-`), each holding `bytes` bytes (default 0). */
  prefix?: string;
  bytes?: number;
}

const ROOT: Credentials = { uid: AID.root, gids: [AID.root] };

function info(name: string, node: FsNode): SimFileInfo {
  const stat = statOf(node);
  return { name, type: node.kind, mode: stat.mode, size: stat.size, mtime: stat.mtime, uid: stat.uid, gid: stat.gid, ...(node.kind === 'link' ? { target: node.target } : {}) };
}

/** Makes the missing folders of `path`'s parent as root, owned like the folder above them. */
function parentsAsRoot(fs: SimFileSystem, path: string): void {
  const parts = absolute(path).split('/').filter(Boolean).slice(0, -1);
  let prefix = '';
  for (const part of parts) {
    const above = fs.lookup(prefix || '/', ROOT);
    prefix += `/${part}`;
    try {
      fs.lookup(prefix, ROOT);
    } catch {
      const made = fs.mkdir(prefix, ROOT, 0o770);
      made.uid = above.uid;
      made.gid = above.gid;
    }
  }
}

function control(action: string, payload: unknown, device: SimDeviceContext): unknown {
  const fs = deviceFiles(device);
  switch (action) {
    case 'write': {
      const write = payload as FilesWrite;
      parentsAsRoot(fs, write.path);
      const folder = fs.lookup(write.path.replace(/\/[^/]*$/, '') || '/', ROOT);
      const data = write.base64 !== undefined ? Buffer.from(write.base64, 'base64') : Buffer.from(write.text ?? '', 'utf8');
      const file = fs.writeFile(write.path, ROOT, data, write.perm ?? 0o660);
      file.uid = write.uid ?? folder.uid;
      file.gid = write.gid ?? folder.gid;
      if (write.mtime !== undefined) file.mtime = write.mtime;
      return info(write.path, file);
    }
    case 'read': {
      const file = fs.read((payload as { path: string }).path, ROOT);
      return { ...info((payload as { path: string }).path, file), base64: Buffer.concat(file.chunks).toString('base64') };
    }
    case 'stat': {
      const { path, follow } = payload as { path: string; follow?: boolean };
      return info(path, fs.lookup(path, ROOT, follow ?? false));
    }
    case 'list': {
      const { path } = payload as { path: string };
      return fs
        .list(path, ROOT)
        .filter(({ name }) => name !== '.' && name !== '..')
        .map(({ name, node }) => info(name, node));
    }
    case 'chmod': {
      const { path, perm } = payload as { path: string; perm: number };
      fs.chmod(path, ROOT, perm);
      return info(path, fs.lookup(path, ROOT));
    }
    case 'mkdir': {
      const { path, perm } = payload as { path: string; perm?: number };
      parentsAsRoot(fs, `${path}/x`);
      if (perm !== undefined) fs.chmod(path, ROOT, perm);
      return info(path, fs.lookup(path, ROOT));
    }
    case 'populate': {
      const { dir, count, prefix = 'file-', bytes = 0 } = payload as FilesPopulate;
      parentsAsRoot(fs, `${dir}/x`);
      const folder = fs.lookup(dir, ROOT);
      const body = Buffer.alloc(bytes, 0x61);
      for (let index = 0; index < count; index++) {
        const file = fs.writeFile(`${dir}/${prefix}${index}`, ROOT, body, 0o660);
        file.uid = folder.uid;
        file.gid = folder.gid;
      }
      return count;
    }
    case 'syncRequests':
      return { ...syncRequestCounts(device) };
    default:
      throw new Error(`the files control has no action ${action}`);
  }
}

function fileCommand(call: ShellInvocation, device: SimDeviceContext): SimStream | undefined {
  const words = wordsOf(call.command);
  if (!words || words.length === 0) return undefined;
  if (words[0] === 'run-as') return runAs(words, deviceFiles(device));
  return runFileCommand(words, { fs: deviceFiles(device), who: SHELL, cwd: '/' });
}

export const filesCapability: SimCapability = {
  name: 'files',
  features: SYNC_FEATURES,
  shellCommands: {
    ls: fileCommand,
    rm: fileCommand,
    mkdir: fileCommand,
    mv: fileCommand,
    cat: (call, device) => (call.argv.length > 1 ? fileCommand(call, device) : undefined),
    'run-as': fileCommand,
  },
  services: {
    sync: (_argument, device) => syncService(device),
  },
  control,
};
