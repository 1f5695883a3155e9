// The device's file commands as toybox prints them (`ls`, `rm`, `mkdir`, `mv`, `cat FILE`), and
// `run-as PACKAGE COMMAND...` (system/core/run-as/run-as.cpp: the app's uid, its data folder as the
// working folder, and only for a debuggable package). Their words are read with sh quoting
// (./shellWords.ts), as on a device. Dates are printed in UTC, the device's time zone.

import { Credentials, FileNode, FsError, FsNode, SIM_PACKAGES, SimFileSystem, absolute, appCredentials, idName, statOf } from './fileSystem';
import { shellWords } from './shellWords';
import { PushStream, SimStream } from './simService';

export interface CommandContext {
  fs: SimFileSystem;
  who: Credentials;
  cwd: string;
}

/** A command's outcome: what it wrote to stdout and stderr, and its exit status. */
export class CommandOutput {
  readonly stdout: Buffer[] = [];
  stderr = '';
  status = 0;

  out(text: string | Buffer): void {
    this.stdout.push(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  }

  /** toybox's error_msg/perror_msg: `NAME: message` on stderr, and exit status 1. */
  error(command: string, message: string): void {
    this.stderr += `${command}: ${message}\n`;
    this.status = 1;
  }

  stream(): SimStream {
    const stream = new PushStream();
    for (const chunk of this.stdout) stream.write(chunk);
    if (this.stderr) stream.write(this.stderr, 'stderr');
    stream.end(this.status);
    return stream;
  }
}

type FileCommand = (args: string[], context: CommandContext, output: CommandOutput) => void;

function message(error: unknown): string {
  if (error instanceof FsError) return error.message;
  throw error;
}

/** Short options (`-la`, `-rf`) up to the first operand or `--`; unknown letters are refused. */
function options(command: string, args: string[], known: string, output: CommandOutput): { flags: Set<string>; operands: string[] } | undefined {
  const flags = new Set<string>();
  let index = 0;
  for (; index < args.length; index++) {
    const arg = args[index];
    if (arg === '--') {
      index++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    for (const letter of arg.slice(1)) {
      if (!known.includes(letter)) {
        output.error(command, `Unknown option '${letter}' (see "${command} --help")`);
        return undefined;
      }
      flags.add(letter);
    }
  }
  return { flags, operands: args.slice(index) };
}

// --- ls ------------------------------------------------------------------------------------------

function modeString(node: FsNode): string {
  const type = node.kind === 'dir' ? 'd' : node.kind === 'link' ? 'l' : '-';
  const perm = node.perm;
  const triple = (shift: number, special: number, set: string) => {
    const r = perm & (4 << shift) ? 'r' : '-';
    const w = perm & (2 << shift) ? 'w' : '-';
    const x = perm & (1 << shift);
    const exec = perm & special ? (x ? set : set.toUpperCase()) : x ? 'x' : '-';
    return `${r}${w}${exec}`;
  };
  return `${type}${triple(6, 0o4000, 's')}${triple(3, 0o2000, 's')}${triple(0, 0o1000, 't')}`;
}

function date(seconds: number): string {
  const at = new Date(seconds * 1000).toISOString();
  return `${at.slice(0, 10)} ${at.slice(11, 16)}`;
}

/** 1 KiB blocks, as `total` counts them (ext4: 4 KiB a block; a symlink's target fits inline). */
function blocks(node: FsNode): number {
  if (node.kind === 'link') return 0;
  const size = statOf(node).size;
  return Math.ceil(size / 4096) * 4;
}

function longLines(entries: { name: string; node: FsNode }[], numeric: boolean): string[] {
  const rows = entries.map(({ name, node }) => {
    const stat = statOf(node);
    return {
      mode: modeString(node),
      links: String(stat.nlink),
      user: numeric ? String(stat.uid) : idName(stat.uid),
      group: numeric ? String(stat.gid) : idName(stat.gid),
      size: String(stat.size),
      date: date(stat.mtime),
      name: node.kind === 'link' ? `${name} -> ${node.target}` : name,
    };
  });
  const width = (key: 'links' | 'user' | 'group' | 'size') => Math.max(0, ...rows.map((row) => row[key].length));
  const [links, user, group, size] = [width('links'), width('user'), width('group'), width('size')];
  return rows.map(
    (row) => `${row.mode} ${row.links.padStart(links)} ${row.user.padEnd(user)} ${row.group.padEnd(group)} ${row.size.padStart(size)} ${row.date} ${row.name}\n`,
  );
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

const ls: FileCommand = (args, { fs, who, cwd }, output) => {
  const parsed = options('ls', args, 'laA1dnR', output);
  if (!parsed) return;
  const { flags } = parsed;
  const long = flags.has('l') || flags.has('n');
  const operands = parsed.operands.length > 0 ? parsed.operands : ['.'];
  const files: { name: string; node: FsNode }[] = [];
  const dirs: { name: string; node: FsNode }[] = [];
  for (const operand of operands) {
    try {
      // With -l or -d a symlink named on the command line is shown itself, unless it ends in `/`.
      const follow = !(long || flags.has('d')) || operand.endsWith('/');
      const node = fs.lookup(operand, who, follow, cwd);
      const target = node.kind === 'link' && !follow ? node : fs.lookup(operand, who, true, cwd);
      if (target.kind === 'dir' && !flags.has('d') && node.kind === 'dir') dirs.push({ name: operand, node: target });
      else files.push({ name: operand, node });
    } catch (error) {
      output.error('ls', `${operand}: ${message(error)}`);
    }
  }
  const show = (entries: { name: string; node: FsNode }[], total: boolean) => {
    if (long) {
      if (total) output.out(`total ${entries.reduce((sum, entry) => sum + blocks(entry.node), 0)}\n`);
      for (const line of longLines(entries, flags.has('n'))) output.out(line);
    } else {
      output.out(entries.map((entry) => `${entry.name}\n`).join(''));
    }
  };
  if (files.length > 0) show(files.sort(byName), false);
  dirs.sort(byName).forEach((dir, index) => {
    let entries: { name: string; node: FsNode }[];
    try {
      entries = fs.list(dir.name, who, cwd);
    } catch (error) {
      output.error('ls', `${dir.name}: ${message(error)}`);
      return;
    }
    if (!flags.has('a')) entries = entries.filter((entry) => !entry.name.startsWith('.') || (flags.has('A') && entry.name !== '.' && entry.name !== '..'));
    if (operands.length > 1) output.out(`${index > 0 || files.length > 0 ? '\n' : ''}${dir.name}:\n`);
    show(entries.sort(byName), true);
  });
};

// --- rm, mkdir, mv, cat --------------------------------------------------------------------------

function removeTree(fs: SimFileSystem, path: string, who: Credentials, cwd: string): void {
  const node = fs.lookup(path, who, false, cwd);
  if (node.kind !== 'dir') {
    fs.unlink(path, who, cwd);
    return;
  }
  for (const { name } of fs.list(path, who, cwd)) {
    if (name !== '.' && name !== '..') removeTree(fs, `${absolute(path, cwd)}/${name}`, who, cwd);
  }
  fs.rmdir(path, who, cwd);
}

const rm: FileCommand = (args, { fs, who, cwd }, output) => {
  const parsed = options('rm', args, 'fiRrv', output);
  if (!parsed) return;
  const { flags, operands } = parsed;
  if (operands.length === 0) {
    if (!flags.has('f')) output.error('rm', 'Needs 1 argument');
    return;
  }
  const recursive = flags.has('r') || flags.has('R');
  for (const operand of operands) {
    try {
      const node = fs.lookup(operand, who, false, cwd);
      if (node.kind === 'dir' && !recursive) throw new FsError('EISDIR');
      removeTree(fs, operand, who, cwd);
    } catch (error) {
      if (flags.has('f') && error instanceof FsError && error.errno === 'ENOENT') continue;
      output.error('rm', `${operand}: ${message(error)}`);
    }
  }
};

const mkdir: FileCommand = (args, { fs, who, cwd }, output) => {
  let mode = 0o777;
  const rest = [...args];
  const modeAt = rest.indexOf('-m');
  if (modeAt >= 0) {
    mode = parseInt(rest[modeAt + 1] ?? '', 8);
    rest.splice(modeAt, 2);
    if (Number.isNaN(mode)) {
      output.error('mkdir', `bad mode '${args[modeAt + 1] ?? ''}'`);
      return;
    }
  }
  const parsed = options('mkdir', rest, 'pv', output);
  if (!parsed) return;
  if (parsed.operands.length === 0) {
    output.error('mkdir', 'Needs 1 argument');
    return;
  }
  // The shell's umask (077 off for group and other writes: 0022) applies to what is made.
  const perm = mode & ~0o022;
  for (const operand of parsed.operands) {
    try {
      if (parsed.flags.has('p')) fs.mkdirs(operand, who, perm, cwd);
      else fs.mkdir(operand, who, perm, cwd);
    } catch (error) {
      output.error('mkdir', `'${operand}': ${message(error)}`);
    }
  }
};

const mv: FileCommand = (args, { fs, who, cwd }, output) => {
  const parsed = options('mv', args, 'finvT', output);
  if (!parsed) return;
  const { operands } = parsed;
  if (operands.length < 2) {
    output.error('mv', `Needs 2 arguments`);
    return;
  }
  const destination = operands[operands.length - 1];
  let intoFolder = false;
  try {
    intoFolder = fs.lookup(destination, who, true, cwd).kind === 'dir';
  } catch {
    intoFolder = false;
  }
  if (operands.length > 2 && !intoFolder) {
    output.error('mv', `'${destination}' not directory`);
    return;
  }
  for (const source of operands.slice(0, -1)) {
    try {
      fs.lookup(source, who, false, cwd);
    } catch (error) {
      output.error('mv', `bad '${source}': ${message(error)}`);
      continue;
    }
    const name = source.replace(/\/+$/, '').split('/').pop() ?? source;
    const target = intoFolder ? `${destination.replace(/\/+$/, '')}/${name}` : destination;
    try {
      fs.rename(source, target, who, cwd);
    } catch (error) {
      output.error('mv', `${target}: ${message(error)}`);
    }
  }
};

const cat: FileCommand = (args, { fs, who, cwd }, output) => {
  for (const operand of args) {
    try {
      const file: FileNode = fs.read(operand, who, cwd) as FileNode;
      for (const chunk of file.chunks) output.out(chunk);
    } catch (error) {
      output.error('cat', `${operand}: ${message(error)}`);
    }
  }
};

export const FILE_COMMANDS: Record<string, FileCommand> = { ls, rm, mkdir, mv, cat };

/** Runs one of FILE_COMMANDS from its words; undefined when the device does not know it. */
export function runFileCommand(words: string[], context: CommandContext): SimStream | undefined {
  const command = FILE_COMMANDS[words[0]];
  if (!command || !Object.hasOwn(FILE_COMMANDS, words[0])) return undefined;
  const output = new CommandOutput();
  command(words.slice(1), context, output);
  return output.stream();
}

/**
 * `run-as PACKAGE COMMAND...`: the command as the app's user in its data folder; run-as's own
 * refusals (run-as.cpp's error(1, 0, ...) texts) otherwise.
 */
export function runAs(words: string[], fs: SimFileSystem): SimStream | undefined {
  const output = new CommandOutput();
  const name = words[1];
  if (!name) {
    output.stderr = 'usage: run-as <package-name> [--user <uid>] <command> [<args>]\n';
    output.status = 1;
    return output.stream();
  }
  const pkg = SIM_PACKAGES.find((candidate) => candidate.name === name);
  if (!pkg) {
    output.error('run-as', `unknown package: ${name}`);
    return output.stream();
  }
  if (!pkg.debuggable) {
    output.error('run-as', `package not debuggable: ${name}`);
    return output.stream();
  }
  // Without a command run-as starts an interactive shell, which the simulated device has not.
  if (words.length < 3) return undefined;
  return runFileCommand(words.slice(2), { fs, who: appCredentials(pkg.uid), cwd: `/data/user/0/${pkg.name}` });
}

/** The words of a shell command line, or undefined when its quoting is broken. */
export function wordsOf(command: string): string[] | undefined {
  try {
    return shellWords(command);
  } catch {
    return undefined;
  }
}
