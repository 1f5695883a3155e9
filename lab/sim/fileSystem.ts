// A simulated device's file system: folders, files and symlinks in memory, with owners, modes and
// mtimes, checked the way the kernel checks them for the caller (the `shell` user for adbd's sync
// service and `adb shell`, an app's user under run-as). Seeded with the layout of an Android
// phone: /sdcard -> /storage/self/primary -> /storage/emulated/0, a listable but writable
// /data/local/tmp, an unlistable /data, a read-only /system, and app folders only their app enters.
//
// A file's bytes are the chunks they arrived in, never joined: 100 MB pushed and pulled again is
// held once and served as slices.

/** Linux errno values (what adbd's errno_to_wire sends) with bionic's strerror texts. */
export const ERRNO = {
  EPERM: { code: 1, text: 'Operation not permitted' },
  ENOENT: { code: 2, text: 'No such file or directory' },
  EACCES: { code: 13, text: 'Permission denied' },
  EEXIST: { code: 17, text: 'File exists' },
  EXDEV: { code: 18, text: 'Cross-device link' },
  ENOTDIR: { code: 20, text: 'Not a directory' },
  EISDIR: { code: 21, text: 'Is a directory' },
  EINVAL: { code: 22, text: 'Invalid argument' },
  EROFS: { code: 30, text: 'Read-only file system' },
  ENAMETOOLONG: { code: 36, text: 'File name too long' },
  ENOTEMPTY: { code: 39, text: 'Directory not empty' },
  ELOOP: { code: 40, text: 'Too many symbolic links encountered' },
} as const;
export type ErrnoName = keyof typeof ERRNO;

export class FsError extends Error {
  constructor(readonly errno: ErrnoName) {
    super(ERRNO[errno].text);
  }
  get code(): number {
    return ERRNO[this.errno].code;
  }
}

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

/** Android's fixed ids (system/core/libcutils/include/private/android_filesystem_config.h). */
export const AID = {
  root: 0,
  system: 1000,
  sdcard_rw: 1015,
  media_rw: 1023,
  shell: 2000,
  everybody: 9997,
  /** First app: u0_a0. */
  app: 10000,
} as const;

/** Who asks: adbd's services run as `shell` with its supplementary groups; run-as as the app. */
export interface Credentials {
  uid: number;
  gids: readonly number[];
}

export const SHELL: Credentials = { uid: AID.shell, gids: [AID.shell, AID.sdcard_rw, AID.everybody] };

export function appCredentials(uid: number): Credentials {
  return { uid, gids: [uid, AID.everybody] };
}

/** A user or group id as toybox prints it (names from android_filesystem_config.h, apps as u0_aN). */
export function idName(id: number): string {
  const known = Object.entries(AID).find(([name, value]) => value === id && name !== 'app');
  if (known) return known[0];
  if (id >= AID.app && id < AID.app + 10000) return `u0_a${id - AID.app}`;
  return String(id);
}

interface NodeBase {
  ino: number;
  /** Permission bits only; the type is the kind. */
  perm: number;
  uid: number;
  gid: number;
  mtime: number;
  /** On a read-only mount (/system). */
  readOnly: boolean;
}
export interface DirNode extends NodeBase {
  kind: 'dir';
  entries: Map<string, FsNode>;
}
export interface FileNode extends NodeBase {
  kind: 'file';
  chunks: Buffer[];
  size: number;
}
export interface LinkNode extends NodeBase {
  kind: 'link';
  target: string;
}
export type FsNode = DirNode | FileNode | LinkNode;

export interface FsStat {
  ino: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
}

const TYPE_BITS = { dir: S_IFDIR, file: S_IFREG, link: S_IFLNK } as const;
/** What ext4 reports for a folder's size; a symlink's is its target's length. */
const DIR_SIZE = 4096;
const MAX_SYMLINKS = 40;
const NAME_MAX = 255;
const R = 4;
const W = 2;
const X = 1;

export function statOf(node: FsNode): FsStat {
  return {
    ino: node.ino,
    mode: TYPE_BITS[node.kind] | node.perm,
    nlink: node.kind === 'dir' ? 2 + [...node.entries.values()].filter((child) => child.kind === 'dir').length : 1,
    uid: node.uid,
    gid: node.gid,
    size: node.kind === 'dir' ? DIR_SIZE : node.kind === 'file' ? node.size : Buffer.byteLength(node.target),
    mtime: node.mtime,
  };
}

/** A path split into its parent and last name, resolved against `cwd` when relative. */
export function absolute(path: string, cwd = '/'): string {
  return path.startsWith('/') ? path : `${cwd.replace(/\/+$/, '')}/${path}`;
}

function components(path: string): string[] {
  return path.split('/').filter((part) => part.length > 0);
}

interface Located {
  parent: DirNode;
  /** The parent's resolved path ('' for the root). */
  parentPath: string;
  name: string;
  node: FsNode | undefined;
}

/** Seconds since the epoch, as the device's clock and mtimes count. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export class SimFileSystem {
  private nextIno = 2;
  readonly root: DirNode;

  constructor(private readonly clock: () => number = nowSeconds) {
    this.root = this.newDir(0o755, AID.root, AID.root, false);
    this.root.ino = 1;
  }

  // --- Lookup -----------------------------------------------------------------------------------

  /** The node at `path` for `who` (symlinks followed at the end too unless `follow` is false). */
  lookup(path: string, who: Credentials, follow = true, cwd = '/'): FsNode {
    const located = this.locate(path, who, cwd);
    if (!located.node) throw new FsError('ENOENT');
    // POSIX: a trailing slash resolves the last link too, and names a folder or nothing (lstat("link/")).
    const trailingSlash = path.length > 1 && path.endsWith('/');
    const node = (follow || trailingSlash) && located.node.kind === 'link' ? this.followLink(located, who, 0).node : located.node;
    if (trailingSlash && node.kind !== 'dir') throw new FsError('ENOTDIR');
    return node;
  }

  stat(path: string, who: Credentials, follow = true, cwd = '/'): FsStat {
    return statOf(this.lookup(path, who, follow, cwd));
  }

  /** Entries of a folder, `.` and `..` first as readdir gives them; needs read permission. */
  list(path: string, who: Credentials, cwd = '/'): { name: string; node: FsNode }[] {
    const dir = this.lookup(path, who, true, cwd);
    if (dir.kind !== 'dir') throw new FsError('ENOTDIR');
    this.require(dir, who, R);
    const parent = this.parentOf(dir) ?? dir;
    return [{ name: '.', node: dir }, { name: '..', node: parent }, ...[...dir.entries].map(([name, node]) => ({ name, node }))];
  }

  /** A file's bytes as the chunks they are stored in (no copy); needs read permission. */
  read(path: string, who: Credentials, cwd = '/'): FileNode {
    const node = this.lookup(path, who, true, cwd);
    if (node.kind === 'dir') throw new FsError('EISDIR');
    if (node.kind !== 'file') throw new FsError('EINVAL');
    this.require(node, who, R);
    return node;
  }

  // --- Changes ----------------------------------------------------------------------------------

  /** open(O_WRONLY|O_CREAT[|O_EXCL]) and truncate: the file to write, made with `perm` if new. */
  openForWrite(path: string, who: Credentials, perm: number, exclusive: boolean, cwd = '/'): FileNode {
    const located = this.locate(path, who, cwd);
    let node = located.node;
    if (node?.kind === 'link') node = this.followLink(located, who, 0).node;
    if (node) {
      if (exclusive) throw new FsError('EEXIST');
      if (node.kind === 'dir') throw new FsError('EISDIR');
      if (node.kind !== 'file') throw new FsError('EINVAL');
      if (node.readOnly) throw new FsError('EROFS');
      this.require(node, who, W);
      node.chunks = [];
      node.size = 0;
      node.mtime = this.clock();
      return node;
    }
    if (!located.name) throw new FsError('EISDIR');
    this.requireWritableDir(located.parent, who);
    if (Buffer.byteLength(located.name) > NAME_MAX) throw new FsError('ENAMETOOLONG');
    const file: FileNode = { ...this.base(perm & 0o7777, who.uid, who.gids[0] ?? who.uid, false), kind: 'file', chunks: [], size: 0 };
    this.link(located.parent, located.name, file);
    return file;
  }

  /** Appends bytes to an open file, keeping the buffer as given. */
  append(file: FileNode, data: Buffer): void {
    if (data.length === 0) return;
    file.chunks.push(data);
    file.size += data.length;
  }

  /** Writes a whole file (made or replaced). */
  writeFile(path: string, who: Credentials, data: Buffer, perm = 0o660, cwd = '/'): FileNode {
    const file = this.openForWrite(path, who, perm, false, cwd);
    this.append(file, data);
    return file;
  }

  mkdir(path: string, who: Credentials, perm = 0o775, cwd = '/'): DirNode {
    const located = this.locate(path, who, cwd);
    if (located.node || !located.name) throw new FsError('EEXIST');
    this.requireWritableDir(located.parent, who);
    if (Buffer.byteLength(located.name) > NAME_MAX) throw new FsError('ENAMETOOLONG');
    const dir = this.newDir(perm, who.uid, who.gids[0] ?? who.uid, located.parent.readOnly);
    this.link(located.parent, located.name, dir);
    return dir;
  }

  /** `mkdir -p`: every missing folder on the way; an existing folder is fine. */
  mkdirs(path: string, who: Credentials, perm = 0o775, cwd = '/'): void {
    let prefix = '';
    for (const part of components(absolute(path, cwd))) {
      prefix += `/${part}`;
      try {
        this.mkdir(prefix, who, perm);
      } catch (error) {
        if (!(error instanceof FsError) || error.errno !== 'EEXIST') throw error;
        if (this.lookup(prefix, who).kind !== 'dir') throw new FsError('ENOTDIR');
      }
    }
  }

  symlink(target: string, path: string, who: Credentials, cwd = '/'): void {
    const located = this.locate(path, who, cwd);
    if (located.node || !located.name) throw new FsError('EEXIST');
    this.requireWritableDir(located.parent, who);
    this.link(located.parent, located.name, { ...this.base(0o777, who.uid, who.gids[0] ?? who.uid, located.parent.readOnly), kind: 'link', target });
  }

  /** unlink(2): not a folder. */
  unlink(path: string, who: Credentials, cwd = '/'): void {
    const located = this.locate(path, who, cwd);
    if (!located.node) throw new FsError('ENOENT');
    if (located.node.kind === 'dir') throw new FsError('EISDIR');
    this.requireWritableDir(located.parent, who);
    located.parent.entries.delete(located.name);
    located.parent.mtime = this.clock();
  }

  /** rmdir(2): an empty folder. */
  rmdir(path: string, who: Credentials, cwd = '/'): void {
    const located = this.locate(path, who, cwd);
    if (!located.node) throw new FsError('ENOENT');
    if (located.node.kind !== 'dir') throw new FsError('ENOTDIR');
    if (!located.name) throw new FsError('EINVAL');
    if (located.node.entries.size > 0) throw new FsError('ENOTEMPTY');
    this.requireWritableDir(located.parent, who);
    located.parent.entries.delete(located.name);
    located.parent.mtime = this.clock();
  }

  /** rename(2). */
  rename(from: string, to: string, who: Credentials, cwd = '/'): void {
    const source = this.locate(from, who, cwd);
    if (!source.node) throw new FsError('ENOENT');
    const target = this.locate(to, who, cwd);
    if (!source.name || !target.name) throw new FsError('EINVAL');
    this.requireWritableDir(source.parent, who);
    this.requireWritableDir(target.parent, who);
    if (source.node === target.node) return;
    if (source.node.kind === 'dir' && this.isWithin(target.parent, source.node)) throw new FsError('EINVAL');
    if (target.node) {
      if (target.node.kind === 'dir' && source.node.kind !== 'dir') throw new FsError('EISDIR');
      if (target.node.kind !== 'dir' && source.node.kind === 'dir') throw new FsError('ENOTDIR');
      if (target.node.kind === 'dir' && target.node.entries.size > 0) throw new FsError('ENOTEMPTY');
    }
    source.parent.entries.delete(source.name);
    target.parent.entries.set(target.name, source.node);
    source.parent.mtime = target.parent.mtime = this.clock();
  }

  /** chmod(2): the owner or root. */
  chmod(path: string, who: Credentials, perm: number, cwd = '/'): void {
    const node = this.lookup(path, who, true, cwd);
    if (who.uid !== AID.root && who.uid !== node.uid) throw new FsError('EPERM');
    if (node.readOnly) throw new FsError('EROFS');
    node.perm = perm & 0o7777;
  }

  setMtime(node: FsNode, mtime: number): void {
    node.mtime = mtime;
  }

  /** Whether `who` may do `access` (R/W/X bits) on `node`: root may, then owner, group, other. */
  allows(node: FsNode, who: Credentials, access: number): boolean {
    if (who.uid === AID.root) return access !== X || node.kind === 'dir' || (node.perm & 0o111) !== 0;
    const shift = who.uid === node.uid ? 6 : who.gids.includes(node.gid) ? 3 : 0;
    return ((node.perm >> shift) & access) === access;
  }

  // --- Inside -----------------------------------------------------------------------------------

  private base(perm: number, uid: number, gid: number, readOnly: boolean): NodeBase {
    return { ino: this.nextIno++, perm, uid, gid, mtime: this.clock(), readOnly };
  }

  private newDir(perm: number, uid: number, gid: number, readOnly: boolean): DirNode {
    return { ...this.base(perm, uid, gid, readOnly), kind: 'dir', entries: new Map() };
  }

  private link(parent: DirNode, name: string, node: FsNode): void {
    parent.entries.set(name, node);
    parent.mtime = this.clock();
  }

  private require(node: FsNode, who: Credentials, access: number): void {
    if (!this.allows(node, who, access)) throw new FsError('EACCES');
  }

  private requireWritableDir(dir: DirNode, who: Credentials): void {
    if (dir.readOnly) throw new FsError('EROFS');
    this.require(dir, who, W | X);
  }

  /** The folder holding `dir` (a walk from the root: folders know no parent). */
  private parentOf(dir: DirNode): DirNode | undefined {
    if (dir === this.root) return this.root;
    const stack: DirNode[] = [this.root];
    while (stack.length > 0) {
      const current = stack.pop()!;
      for (const child of current.entries.values()) {
        if (child === dir) return current;
        if (child.kind === 'dir') stack.push(child);
      }
    }
    return undefined;
  }

  private isWithin(dir: DirNode, ancestor: DirNode): boolean {
    for (let current: DirNode | undefined = dir; current; current = current === this.root ? undefined : this.parentOf(current)) {
      if (current === ancestor) return true;
    }
    return false;
  }

  /**
   * Resolves all but the last component (following symlinks), checking search permission. Tracks
   * the resolved folder's path, which a relative symlink target is read against.
   */
  private locate(path: string, who: Credentials, cwd: string, depth = 0): Located {
    if (path.length === 0) throw new FsError('ENOENT');
    const parts = components(absolute(path, cwd));
    let dir = this.root;
    let dirPath = '';
    const trail: { dir: DirNode; path: string }[] = [];
    const up = () => {
      const last = trail.pop();
      return last ?? { dir: this.root, path: '' };
    };
    for (let index = 0; index < parts.length - 1; index++) {
      const part = parts[index];
      if (Buffer.byteLength(part) > NAME_MAX) throw new FsError('ENAMETOOLONG');
      this.require(dir, who, X);
      if (part === '.') continue;
      if (part === '..') {
        ({ dir, path: dirPath } = up());
        continue;
      }
      const next = dir.entries.get(part);
      if (!next) throw new FsError('ENOENT');
      let resolved: { node: FsNode; path: string } = { node: next, path: `${dirPath}/${part}` };
      if (next.kind === 'link') resolved = this.followLink({ parent: dir, parentPath: dirPath, name: part, node: next }, who, depth);
      if (resolved.node.kind !== 'dir') throw new FsError('ENOTDIR');
      trail.push({ dir, path: dirPath });
      dir = resolved.node;
      dirPath = resolved.path;
    }
    if (parts.length === 0) return { parent: this.root, parentPath: '', name: '', node: this.root };
    const name = parts[parts.length - 1];
    this.require(dir, who, X);
    if (name === '.' || name === '..') {
      const node = name === '.' ? dir : up().dir;
      const parent = trail[trail.length - 1] ?? { dir: this.root, path: '' };
      return { parent: parent.dir, parentPath: parent.path, name: '', node };
    }
    if (Buffer.byteLength(name) > NAME_MAX) throw new FsError('ENAMETOOLONG');
    return { parent: dir, parentPath: dirPath, name, node: dir.entries.get(name) };
  }

  /** The node a symlink leads to, with its resolved path. */
  private followLink(located: Located, who: Credentials, depth: number): { node: FsNode; path: string } {
    let current = located;
    let hops = depth;
    while (current.node?.kind === 'link') {
      if (++hops > MAX_SYMLINKS) throw new FsError('ELOOP');
      current = this.locate(current.node.target, who, current.parentPath || '/', hops);
    }
    if (!current.node) throw new FsError('ENOENT');
    return { node: current.node, path: current.name ? `${current.parentPath}/${current.name}` : current.parentPath };
  }
}

/** An app installed on the simulated device: its uid, and whether run-as may enter it. */
export interface SimPackage {
  name: string;
  uid: number;
  debuggable: boolean;
}

export const SIM_PACKAGES: readonly SimPackage[] = [
  { name: 'com.example.debuggable', uid: AID.app + 123, debuggable: true },
  { name: 'com.android.chrome', uid: AID.app + 100, debuggable: false },
];

const ROOT: Credentials = { uid: AID.root, gids: [AID.root] };

/** The folders of internal storage a new phone has. */
const STORAGE_FOLDERS = ['Alarms', 'Android', 'DCIM', 'DCIM/Camera', 'Documents', 'Download', 'Movies', 'Music', 'Notifications', 'Pictures', 'Podcasts', 'Ringtones'];

/** A phone's file system, as the `shell` user sees it through adb. */
export function androidFileSystem(properties: Readonly<Record<string, string>> = {}): SimFileSystem {
  const fs = new SimFileSystem();
  const dir = (path: string, perm: number, uid: number = AID.root, gid: number = uid) => {
    const made = fs.mkdir(path, ROOT, perm);
    made.uid = uid;
    made.gid = gid;
    return made;
  };
  const file = (path: string, text: string, perm: number, uid: number = AID.root, gid: number = uid) => {
    const made = fs.writeFile(path, ROOT, Buffer.from(text), perm);
    made.uid = uid;
    made.gid = gid;
  };

  const system = dir('/system', 0o755);
  dir('/system/bin', 0o751, AID.root, AID.shell);
  dir('/system/app', 0o755);
  file('/system/build.prop', Object.entries(properties).map(([name, value]) => `${name}=${value}\n`).join(''), 0o600);
  markReadOnly(system);

  // /data: system's, searchable by all and listable by none but system (drwxrwx--x).
  dir('/data', 0o771, AID.system);
  dir('/data/local', 0o751, AID.root);
  dir('/data/local/tmp', 0o771, AID.shell);
  dir('/data/data', 0o771, AID.system);
  dir('/data/user', 0o711, AID.system);
  fs.symlink('/data/data', '/data/user/0', ROOT);
  for (const pkg of SIM_PACKAGES) {
    const home = `/data/data/${pkg.name}`;
    dir(home, 0o700, pkg.uid);
    dir(`${home}/files`, 0o771, pkg.uid);
    dir(`${home}/cache`, 0o771, pkg.uid);
    dir(`${home}/shared_prefs`, 0o771, pkg.uid);
    file(`${home}/shared_prefs/prefs.xml`, "<?xml version='1.0' encoding='utf-8' standalone='yes' ?>\n<map />\n", 0o660, pkg.uid);
    file(`${home}/files/notes.txt`, `notes of ${pkg.name}\n`, 0o600, pkg.uid);
  }

  // Internal storage as the FUSE daemon presents it to the shell user (group everybody).
  dir('/storage', 0o755);
  dir('/storage/emulated', 0o711);
  dir('/storage/emulated/0', 0o770, AID.root, AID.everybody);
  for (const folder of STORAGE_FOLDERS) dir(`/storage/emulated/0/${folder}`, 0o770, AID.root, AID.everybody);
  dir('/storage/self', 0o755);
  fs.symlink('/storage/emulated/0', '/storage/self/primary', ROOT);
  fs.symlink('/storage/self/primary', '/sdcard', ROOT);
  return fs;
}

function markReadOnly(node: FsNode): void {
  node.readOnly = true;
  if (node.kind === 'dir') for (const child of node.entries.values()) markReadOnly(child);
}
