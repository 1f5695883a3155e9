// adb's file sync protocol (the `sync:` service), host side, as AOSP's adb client speaks it
// (packages/modules/adb: file_sync_protocol.h for the frames, client/file_sync_client.cpp for the
// order of requests). Every integer is little-endian; a request is a 4-byte id and a 4-byte length
// followed by that many bytes (a path, never NUL-terminated). Frames only: no I/O here.

/** Largest DATA payload either side sends (SYNC_DATA_MAX). */
export const SYNC_DATA_MAX = 64 * 1024;
/** adbd refuses longer paths (file_sync_service.cpp: "path too long"). */
export const SYNC_PATH_MAX = 1024;

export const SyncId = {
  /** v1 `STAT` is an lstat: a symbolic link is described, not followed. */
  LSTAT_V1: 'STAT',
  STAT_V2: 'STA2',
  LSTAT_V2: 'LST2',
  LIST_V1: 'LIST',
  LIST_V2: 'LIS2',
  DENT_V1: 'DENT',
  DENT_V2: 'DNT2',
  SEND_V1: 'SEND',
  RECV_V1: 'RECV',
  DONE: 'DONE',
  DATA: 'DATA',
  OKAY: 'OKAY',
  FAIL: 'FAIL',
  QUIT: 'QUIT',
} as const;

/** What STAT / LSTAT / LIST say of one entry. `error` (v2 only): the errno of a failed stat, 0 when it worked. */
export interface SyncStat {
  mode: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  error?: number;
}

export interface SyncEntry extends SyncStat {
  name: string;
}

/** The Linux errno values adbd sends in v2 replies (bionic's, the same on every Android ABI). */
export const ERRNO = { EPERM: 1, ENOENT: 2, EIO: 5, EACCES: 13, EEXIST: 17, ENOTDIR: 20, EISDIR: 21, ENAMETOOLONG: 36, ELOOP: 40 } as const;

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

/** A request frame: id, length, then `payload` (a path, or SEND's "path,mode"). */
export function syncRequest(id: string, payload: string | Uint8Array = new Uint8Array(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  const frame = Buffer.alloc(8 + body.length);
  frame.write(id, 0, 'latin1');
  frame.writeUInt32LE(body.length, 4);
  body.copy(frame, 8);
  return frame;
}

/** SEND's payload: the path and the mode it is created with, in decimal ("path,33188"). */
export function sendPayload(path: string, mode: number): string {
  return `${path},${mode}`;
}

/**
 * DATA frames of at most SYNC_DATA_MAX bytes each, for SEND, written straight into batches of
 * about `batchBytes` (whole frames, one copy of the file's bytes in all).
 */
export function* dataFrames(bytes: Uint8Array, batchBytes = SYNC_DATA_MAX): Generator<{ frames: Buffer; dataBytes: number }> {
  const perBatch = Math.max(1, Math.floor(batchBytes / SYNC_DATA_MAX));
  for (let offset = 0; offset < bytes.length; ) {
    const dataBytes = Math.min(bytes.length - offset, perBatch * SYNC_DATA_MAX);
    const frameCount = Math.ceil(dataBytes / SYNC_DATA_MAX);
    const frames = Buffer.alloc(dataBytes + 8 * frameCount);
    let at = 0;
    for (let end = offset + dataBytes; offset < end; ) {
      const chunk = bytes.subarray(offset, Math.min(end, offset + SYNC_DATA_MAX));
      frames.write(SyncId.DATA, at, 'latin1');
      frames.writeUInt32LE(chunk.length, at + 4);
      frames.set(chunk, at + 8);
      at += 8 + chunk.length;
      offset += chunk.length;
    }
    yield { frames, dataBytes };
  }
}

/** DONE ends a SEND; its length field carries the file's mtime (seconds). */
export function doneFrame(mtimeSeconds: number): Buffer {
  const frame = Buffer.alloc(8);
  frame.write(SyncId.DONE, 0, 'latin1');
  frame.writeUInt32LE(mtimeSeconds >>> 0, 4);
  return frame;
}

/** A path adbd will take: absolute, no NUL, not too long. Undefined when fine; else why not. */
export function pathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'the path is not absolute';
  if (path.includes('\0')) return 'the path holds a NUL character';
  if (Buffer.byteLength(path, 'utf8') > SYNC_PATH_MAX) return 'path too long';
  return undefined;
}

export function isDirectory(mode: number): boolean {
  return (mode & S_IFMT) === S_IFDIR;
}
export function isSymbolicLink(mode: number): boolean {
  return (mode & S_IFMT) === S_IFLNK;
}
export function isFile(mode: number): boolean {
  return (mode & S_IFMT) === S_IFREG;
}
