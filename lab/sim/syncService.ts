// The device side of `sync:` (what `adb push`, `adb pull`, `adb ls` and the product's file browser
// talk to), following AOSP adb's daemon/file_sync_service.cpp request by request, with the layouts
// of file_sync_protocol.h and the client's expectations of client/file_sync_client.cpp:
//
// - a request is SyncRequest { id, path_length <= 1024 } and the path; a longer one is answered
//   FAIL "path too long" and the service ends (handle_sync_command);
// - STAT (lstat, v1): sync_stat_v1 { id, mode, size, mtime }, all zero when lstat fails;
//   STA2 (stat) / LST2 (lstat): sync_stat_v2, the errno in `error` (errno_to_wire: Linux values);
// - LIST / LIS2: a sync_dent_v1 / sync_dent_v2 per readdir entry (`.` and `..` too), then a
//   whole dent record with id DONE; a folder that cannot be opened gives DONE alone (do_list);
// - RECV / RCV2: DATA chunks of at most SYNC_DATA_MAX - 8 bytes (recv_uncompressed reads into a
//   64 KiB buffer less the header) then DONE; "open failed: <strerror>" when it cannot be opened;
// - SEND ("path,mode", send_v1) / SND2 (path, then sync_send_v2 { id, mode, flags }): DATA chunks
//   and DONE carrying the mtime, answered OKAY, or FAIL "couldn't create file: ..." /
//   "secure_mkdirs failed: ..." after which adbd drops DATA until DONE and removes the file;
// - QUIT, and any failure above, ends the service.
//
// Compression (the sendrecv_v2_brotli/lz4/zstd features) is not announced, so v2 transfers come
// with flags 0; other flags are refused with adbd's "unknown flags: N".

import { Credentials, FsError, FsNode, S_IFLNK, S_IFMT, SHELL, SimFileSystem, androidFileSystem, statOf } from './fileSystem';
import { SimDeviceContext, SimStream, WAIT } from './simService';

function mkid(text: string): number {
  return Buffer.from(text, 'latin1').readUInt32LE(0);
}

export const SYNC_ID = {
  LSTAT_V1: mkid('STAT'),
  STAT_V2: mkid('STA2'),
  LSTAT_V2: mkid('LST2'),
  LIST_V1: mkid('LIST'),
  LIST_V2: mkid('LIS2'),
  DENT_V1: mkid('DENT'),
  DENT_V2: mkid('DNT2'),
  SEND_V1: mkid('SEND'),
  SEND_V2: mkid('SND2'),
  RECV_V1: mkid('RECV'),
  RECV_V2: mkid('RCV2'),
  DONE: mkid('DONE'),
  DATA: mkid('DATA'),
  OKAY: mkid('OKAY'),
  FAIL: mkid('FAIL'),
  QUIT: mkid('QUIT'),
} as const;

/** file_sync_protocol.h. */
export const SYNC_DATA_MAX = 64 * 1024;
const MAX_PATH_LENGTH = 1024;
const STAT_V1_LENGTH = 16;
const STAT_V2_LENGTH = 72;
const DENT_V1_LENGTH = 20;
const DENT_V2_LENGTH = 76;
const SEND_V2_SETUP_LENGTH = 12;
const RECV_V2_SETUP_LENGTH = 8;
/** recv_uncompressed reads at most buffer.size() - sizeof(msg.data) per DATA. */
const RECV_CHUNK = SYNC_DATA_MAX - 8;
/** st_dev of the simulated device's one file system. */
const DEVICE_ID = 0xfd05;

/** The feature flags the device announces for what this module implements (the CNXN banner). */
export const SYNC_FEATURES = ['stat_v2', 'ls_v2', 'sendrecv_v2'] as const;

/** The device's file system, made on first use and kept across unplug and replug. */
export function deviceFiles(device: SimDeviceContext): SimFileSystem {
  return device.stateOf('files', () => androidFileSystem(device.properties));
}

/** Bytes the server wrote, taken in exact lengths without joining more than a read needs. */
class ByteQueue {
  private chunks: Buffer[] = [];
  length = 0;

  push(data: Buffer): void {
    if (data.length === 0) return;
    this.chunks.push(data);
    this.length += data.length;
  }

  /** The first `count` bytes without taking them (they must be there). */
  peek(count: number): Buffer {
    if (count === 0) return Buffer.alloc(0);
    const head = this.chunks[0];
    if (head.length >= count) return head.subarray(0, count);
    return Buffer.concat(this.chunks, Math.min(this.length, Math.max(count, 0))).subarray(0, count);
  }

  take(count: number): Buffer {
    const out = this.peek(count);
    let rest = count;
    while (rest > 0) {
      const head = this.chunks[0];
      if (head.length <= rest) {
        this.chunks.shift();
        rest -= head.length;
      } else {
        this.chunks[0] = head.subarray(rest);
        rest = 0;
      }
    }
    this.length -= count;
    return out;
  }
}

function statusMessage(id: number, length: number): Buffer {
  const message = Buffer.alloc(8);
  message.writeUInt32LE(id, 0);
  message.writeUInt32LE(length >>> 0, 4);
  return message;
}

function failMessage(reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8');
  return Buffer.concat([statusMessage(SYNC_ID.FAIL, text.length), text]);
}

function statV1(id: number, node: FsNode | undefined): Buffer {
  const message = Buffer.alloc(STAT_V1_LENGTH);
  message.writeUInt32LE(id, 0);
  if (node) {
    const stat = statOf(node);
    message.writeUInt32LE(stat.mode, 4);
    message.writeUInt32LE(stat.size >>> 0, 8);
    message.writeUInt32LE(stat.mtime >>> 0, 12);
  }
  return message;
}

/** sync_stat_v2, or sync_dent_v2 when `length` has room for namelen. */
function statV2(id: number, length: number, node: FsNode | undefined, error: number): Buffer {
  const message = Buffer.alloc(length);
  message.writeUInt32LE(id, 0);
  message.writeUInt32LE(error, 4);
  if (node) {
    const stat = statOf(node);
    message.writeBigUInt64LE(BigInt(DEVICE_ID), 8);
    message.writeBigUInt64LE(BigInt(stat.ino), 16);
    message.writeUInt32LE(stat.mode, 24);
    message.writeUInt32LE(stat.nlink, 28);
    message.writeUInt32LE(stat.uid, 32);
    message.writeUInt32LE(stat.gid, 36);
    message.writeBigUInt64LE(BigInt(stat.size), 40);
    message.writeBigInt64LE(BigInt(stat.mtime), 48);
    message.writeBigInt64LE(BigInt(stat.mtime), 56);
    message.writeBigInt64LE(BigInt(stat.mtime), 64);
  }
  return message;
}

function errnoOf(error: unknown): number {
  if (error instanceof FsError) return error.code;
  throw error;
}

function textOf(error: unknown): string {
  if (error instanceof FsError) return error.message;
  throw error;
}

/** strtoul(text, nullptr, 0): hex with 0x, octal with a leading 0, else decimal; 0 when none. */
function parseMode(text: string): number {
  const match = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text);
  if (!match) return 0;
  const digits = match[2];
  const value = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.startsWith('0') ? parseInt(digits, 8) || 0 : parseInt(digits, 10);
  return (match[1] === '-' ? -value : value) >>> 0;
}

type Phase =
  | { kind: 'request' }
  | { kind: 'send-data'; file: FsNode & { kind: 'file' }; path: string; doUnlink: boolean }
  | { kind: 'send-link'; path: string; target?: string }
  | { kind: 'discard'; path: string; doUnlink: boolean }
  | { kind: 'ended' };

/** One `sync:` service: requests one after another until QUIT or a failure. */
export class SyncSession implements SimStream {
  wake?: () => void;
  private readonly input = new ByteQueue();
  private readonly output: Buffer[] = [];
  private outputBytes = 0;
  /** A file being received (RECV): DATA frames made as the transport takes them. */
  private reading?: { chunks: readonly Buffer[]; index: number; offset: number };
  private phase: Phase = { kind: 'request' };

  constructor(
    private readonly fs: SimFileSystem,
    private readonly who: Credentials = SHELL,
    /** Requests served, by their four-letter id (which protocol forms a client used). */
    private readonly counts: Record<string, number> = {},
  ) {}

  next(maxBytes: number): Buffer | undefined | typeof WAIT {
    while (this.outputBytes < maxBytes && this.reading) this.readMore();
    if (this.outputBytes === 0) return this.ended ? undefined : WAIT;
    const pieces: Buffer[] = [];
    let taken = 0;
    while (taken < maxBytes && this.output.length > 0) {
      const head = this.output[0];
      const room = maxBytes - taken;
      if (head.length <= room) {
        pieces.push(this.output.shift()!);
        taken += head.length;
      } else {
        pieces.push(head.subarray(0, room));
        this.output[0] = head.subarray(room);
        taken += room;
      }
    }
    this.outputBytes -= taken;
    return pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, taken);
  }

  onInput(data: Buffer): void {
    if (this.ended) return;
    this.input.push(data);
    while (!this.ended && this.step()) {
      // Each step takes one whole message; it returns false when the rest has not arrived.
    }
  }

  onClose(): void {
    // The connection went mid-SEND: adbd's read fails and the fail path removes the file.
    if ((this.phase.kind === 'send-data' || this.phase.kind === 'discard') && this.phase.doUnlink) this.tryUnlink(this.phase.path);
    this.phase = { kind: 'ended' };
    this.reading = undefined;
  }

  private get ended(): boolean {
    return this.phase.kind === 'ended';
  }

  private emit(message: Buffer): void {
    this.output.push(message);
    this.outputBytes += message.length;
    this.wake?.();
  }

  private end(): void {
    this.phase = { kind: 'ended' };
    this.wake?.();
  }

  private fail(reason: string): void {
    this.emit(failMessage(reason));
    this.end();
  }

  private step(): boolean {
    switch (this.phase.kind) {
      case 'request':
        return this.request();
      case 'send-data':
      case 'discard':
      case 'send-link':
        return this.sendData();
      default:
        return false;
    }
  }

  private request(): boolean {
    if (this.input.length < 8) return false;
    const header = this.input.peek(8);
    const id = header.readUInt32LE(0);
    const pathLength = header.readUInt32LE(4);
    if (pathLength > MAX_PATH_LENGTH) {
      this.fail('path too long');
      return false;
    }
    const setup = id === SYNC_ID.SEND_V2 ? SEND_V2_SETUP_LENGTH : id === SYNC_ID.RECV_V2 ? RECV_V2_SETUP_LENGTH : 0;
    if (this.input.length < 8 + pathLength + setup) return false;
    this.input.take(8);
    const name = header.subarray(0, 4).toString('latin1');
    this.counts[name] = (this.counts[name] ?? 0) + 1;
    const path = this.input.take(pathLength).toString('utf8');
    const setupPacket = setup > 0 ? this.input.take(setup) : undefined;
    switch (id) {
      case SYNC_ID.LSTAT_V1:
        this.emit(statV1(id, this.tryLookup(path, false)));
        return true;
      case SYNC_ID.STAT_V2:
      case SYNC_ID.LSTAT_V2:
        this.statV2(id, path);
        return true;
      case SYNC_ID.LIST_V1:
      case SYNC_ID.LIST_V2:
        this.list(path, id === SYNC_ID.LIST_V2);
        return true;
      case SYNC_ID.RECV_V1:
        return this.recv(path);
      case SYNC_ID.RECV_V2: {
        const flags = setupPacket!.readUInt32LE(4);
        if (flags !== 0) {
          this.fail(`unknown flags: ${flags | 0}`);
          return false;
        }
        return this.recv(path);
      }
      case SYNC_ID.SEND_V1: {
        const comma = path.lastIndexOf(',');
        if (comma < 0) {
          this.fail('missing , in ID_SEND_V1');
          return false;
        }
        return this.send(path.slice(0, comma), parseMode(path.slice(comma + 1)));
      }
      case SYNC_ID.SEND_V2: {
        const flags = setupPacket!.readUInt32LE(8);
        if (flags !== 0) {
          this.fail(`unknown flags: ${flags | 0}`);
          return false;
        }
        return this.send(path, setupPacket!.readUInt32LE(4));
      }
      case SYNC_ID.QUIT:
        this.end();
        return false;
      default:
        this.fail(`unknown command ${id.toString(16).padStart(8, '0')}`);
        return false;
    }
  }

  private tryLookup(path: string, follow: boolean): FsNode | undefined {
    try {
      return this.fs.lookup(path, this.who, follow);
    } catch (error) {
      errnoOf(error);
      return undefined;
    }
  }

  private tryUnlink(path: string): void {
    try {
      this.fs.unlink(path, this.who);
    } catch (error) {
      errnoOf(error);
    }
  }

  private statV2(id: number, path: string): void {
    try {
      this.emit(statV2(id, STAT_V2_LENGTH, this.fs.lookup(path, this.who, id === SYNC_ID.STAT_V2), 0));
    } catch (error) {
      this.emit(statV2(id, STAT_V2_LENGTH, undefined, errnoOf(error)));
    }
  }

  private list(path: string, v2: boolean): void {
    let entries: { name: string; node: FsNode }[] = [];
    try {
      entries = this.fs.list(path, this.who);
    } catch (error) {
      errnoOf(error);
    }
    const records: Buffer[] = [];
    for (const { name, node } of entries) {
      const nameBytes = Buffer.from(name, 'utf8');
      let record: Buffer;
      if (v2) {
        record = statV2(SYNC_ID.DENT_V2, DENT_V2_LENGTH, node, 0);
        record.writeUInt32LE(nameBytes.length, 72);
      } else {
        record = Buffer.alloc(DENT_V1_LENGTH);
        statV1(SYNC_ID.DENT_V1, node).copy(record);
        record.writeUInt32LE(nameBytes.length, 16);
      }
      records.push(record, nameBytes);
    }
    const done = Buffer.alloc(v2 ? DENT_V2_LENGTH : DENT_V1_LENGTH);
    done.writeUInt32LE(SYNC_ID.DONE, 0);
    records.push(done);
    this.emit(Buffer.concat(records));
  }

  private recv(path: string): boolean {
    let node: FsNode;
    try {
      node = this.fs.read(path, this.who);
    } catch (error) {
      if (error instanceof FsError && error.errno === 'EISDIR') {
        // open(O_RDONLY) of a folder succeeds; its read() is what fails.
        this.fail(`read failed: ${error.message}`);
      } else {
        this.fail(`open failed: ${textOf(error)}`);
      }
      return false;
    }
    // The chunks as they are now: a SEND over the file meanwhile starts a new list.
    this.reading = { chunks: node.kind === 'file' ? node.chunks.slice() : [], index: 0, offset: 0 };
    this.wake?.();
    return true;
  }

  /** The next DATA frame of the file being received, or DONE at its end. */
  private readMore(): void {
    const reading = this.reading!;
    const pieces: Buffer[] = [];
    let size = 0;
    while (size < RECV_CHUNK && reading.index < reading.chunks.length) {
      const chunk = reading.chunks[reading.index];
      const piece = chunk.subarray(reading.offset, reading.offset + RECV_CHUNK - size);
      pieces.push(piece);
      size += piece.length;
      reading.offset += piece.length;
      if (reading.offset >= chunk.length) {
        reading.index++;
        reading.offset = 0;
      }
    }
    if (size === 0) {
      this.reading = undefined;
      this.emit(statusMessage(SYNC_ID.DONE, 0));
      return;
    }
    this.output.push(statusMessage(SYNC_ID.DATA, size), ...pieces);
    this.outputBytes += 8 + size;
  }

  /** send_impl: what is replaced, how the mode is widened, and where the bytes go. */
  private send(path: string, mode: number): boolean {
    const existing = this.tryLookup(path, false);
    const isLink = (mode & S_IFMT) === S_IFLNK;
    const doUnlink = !existing || existing.kind === 'file' || (existing.kind === 'link' && !isLink);
    if (doUnlink && existing) this.tryUnlink(path);
    if (isLink) {
      this.phase = { kind: 'send-link', path };
      return true;
    }
    // "Copy user permission bits to "group" and "other" permissions."
    let perm = mode & 0o777;
    perm |= (perm >> 3) & 0o070;
    perm |= (perm >> 3) & 0o007;
    try {
      const file = this.create(path, perm);
      this.phase = { kind: 'send-data', file, path, doUnlink };
    } catch (error) {
      this.emit(failMessage(error instanceof SyncFailure ? error.message : `couldn't create file: ${textOf(error)}`));
      this.phase = { kind: 'discard', path, doUnlink };
    }
    return true;
  }

  /** handle_send_file's open: O_CREAT|O_EXCL, the parents made on ENOENT, O_WRONLY on EEXIST. */
  private create(path: string, perm: number): FsNode & { kind: 'file' } {
    try {
      return this.fs.openForWrite(path, this.who, perm, true);
    } catch (error) {
      if (!(error instanceof FsError)) throw error;
      if (error.errno === 'ENOENT') {
        this.secureMkdirs(path);
        return this.fs.openForWrite(path, this.who, perm, true);
      }
      if (error.errno === 'EEXIST') return this.fs.openForWrite(path, this.who, perm, false);
      throw error;
    }
  }

  /** secure_mkdirs(Dirname(path)): mkdir 0775 of every component, EEXIST is fine. */
  private secureMkdirs(path: string): void {
    const parts = path.split('/').slice(0, -1);
    let partial = '';
    for (const part of parts) {
      if (part.length === 0) continue;
      partial += `/${part}`;
      try {
        this.fs.mkdir(partial, this.who, 0o775);
      } catch (error) {
        if (error instanceof FsError && error.errno === 'EEXIST') continue;
        throw new SyncFailure(`secure_mkdirs failed: ${textOf(error)}`);
      }
    }
  }

  /** DATA and DONE after a SEND: stored, dropped after a failure, or a symlink's target. */
  private sendData(): boolean {
    if (this.input.length < 8) return false;
    const header = this.input.peek(8);
    const id = header.readUInt32LE(0);
    const size = header.readUInt32LE(4);
    const phase = this.phase;
    if (id === SYNC_ID.DATA) {
      if (size > SYNC_DATA_MAX) {
        if (phase.kind === 'discard') {
          this.finishDiscard();
        } else {
          this.fail('oversize data message');
        }
        return false;
      }
      if (this.input.length < 8 + size) return false;
      this.input.take(8);
      const data = this.input.take(size);
      if (phase.kind === 'send-data') this.fs.append(phase.file, data);
      if (phase.kind === 'send-link') {
        if (phase.target !== undefined) {
          this.fail('invalid data message: expected ID_DONE');
          return false;
        }
        phase.target = data.toString('utf8').replace(/\0[\s\S]*$/, '');
        try {
          this.makeLink(phase.path, phase.target);
        } catch (error) {
          this.fail(error instanceof SyncFailure ? error.message : `symlink failed: ${textOf(error)}`);
          return false;
        }
      }
      return true;
    }
    this.input.take(8);
    if (id === SYNC_ID.DONE) {
      if (phase.kind === 'discard') {
        this.finishDiscard();
        return false;
      }
      if (phase.kind === 'send-link' && phase.target === undefined) {
        this.fail('invalid data message: expected ID_DATA');
        return false;
      }
      if (phase.kind === 'send-data' || phase.kind === 'send-link') {
        // DONE's size is the mtime: lutimes() after the OKAY's write is queued.
        const node = this.tryLookup(phase.path, false);
        if (node) this.fs.setMtime(node, size);
      }
      this.emit(statusMessage(SYNC_ID.OKAY, 0));
      this.phase = { kind: 'request' };
      return true;
    }
    if (phase.kind === 'discard') {
      this.finishDiscard();
    } else {
      this.fail(phase.kind === 'send-link' ? 'invalid data message: expected ID_DATA' : 'invalid data message');
    }
    return false;
  }

  private finishDiscard(): void {
    if (this.phase.kind === 'discard' && this.phase.doUnlink) this.tryUnlink(this.phase.path);
    this.end();
  }

  private makeLink(path: string, target: string): void {
    try {
      this.fs.symlink(target, path, this.who);
    } catch (error) {
      if (!(error instanceof FsError) || error.errno !== 'ENOENT') throw error;
      this.secureMkdirs(path);
      this.fs.symlink(target, path, this.who);
    }
  }
}

/** A failure whose text is already adbd's whole FAIL message. */
class SyncFailure extends Error {}

/** `sync:` requests a device has served, by id (`SEND`, `SND2`, `STA2`...). */
export function syncRequestCounts(device: SimDeviceContext): Record<string, number> {
  return device.stateOf<Record<string, number>>('sync-requests', () => ({}));
}

/** `sync:` on a device, as the shell user. */
export function syncService(device: SimDeviceContext): SimStream {
  return new SyncSession(deviceFiles(device), SHELL, syncRequestCounts(device));
}
