// Screen recordings, at most one per device: `screenrecord` runs as a shell stream and writes an
// MP4 on the device (/data/local/tmp, which the shell user may write); stopping it is
// `pkill -INT screenrecord`, which screenrecord catches to finish its file, and the stream's end
// says it has exited. The file is then pulled, checked to be a whole MP4, and deleted on the device.
//
// A recording also ends by itself: at its time limit (screenrecord's own, 180 s at most: the file
// is whole and kept), when the device leaves (nothing can be pulled; nothing partial is kept), or
// when screenrecord refuses to start. Every service is a constant with the recording's own path,
// made here of digits only: nothing from the device or a setting reaches the device's shell.

import { Emitter, Event } from '../../core/events';
import { DisposableBase, toDisposable } from '../../core/lifecycle';
import { Device } from '../../core/types';
import type { DeviceServiceEnd, DeviceStream } from '../../core/supervisor/deviceStreams';
import { serviceTarget, WatcherControls } from '../../devices/model/watcherModel';
import { printable, stillListed } from './screenshot';

/** screenrecord's own cap (and its default): it refuses a longer --time-limit. */
export const MAX_TIME_LIMIT_SEC = 180;
/** A folder every Android lets the shell user write, and `rm` from. */
const RECORDING_FOLDER = '/data/local/tmp';
/** How long screenrecord may take to finish its file after SIGINT before the stream is closed (SIGHUP). */
const STOP_WAIT_MS = 15_000;
/** A recording that ends this close to its limit ended at the limit (the start took a moment). */
const LIMIT_SLACK_MS = 3000;
/** What is kept of screenrecord's output, to explain a refusal. */
const OUTPUT_KEPT = 2000;
const SHELL_TIMEOUT_MS = 30_000;

/** Reads a file off a device whole (the files capability's DeviceFiles.read does, through adb's sync protocol). */
export type PullFile = (device: Device, path: string) => Promise<Uint8Array>;

/** What the recorder needs of the watcher model. */
export interface RecorderModel {
  readonly controls: Pick<WatcherControls, 'requestDeviceService' | 'openDeviceStream'>;
  readonly devices: readonly Device[];
}

/**
 * How a recording ended:
 * - `stopped`: asked to stop; `time-limit`: screenrecord reached its limit; `ended`: it ended on the
 *   device before its limit (another tool stopped it) with its file whole;
 * - `device-gone`: the device left; `failed`: screenrecord refused or its file is not whole
 *   (`message` says why); `disposed`: the extension stopped it.
 */
export type RecordingEndKind = 'stopped' | 'time-limit' | 'ended' | 'device-gone' | 'failed' | 'disposed';

export interface RecordingOutcome {
  kind: RecordingEndKind;
  /** The whole MP4, for `stopped`, `time-limit` and `ended`. */
  video?: Uint8Array;
  /** Why there is no video (adb's or the device's words). */
  message?: string;
  /** How long it ran, in milliseconds. */
  durationMs: number;
}

export type StartResult = { ok: true; recording: ScreenRecording } | { ok: false; problem: 'already' | 'failed'; message: string };

export class ScreenRecorder extends DisposableBase {
  private readonly recordings = new Map<string, ScreenRecording>();
  private readonly changed = this.register(new Emitter<void>());
  /** A recording started or ended. */
  readonly onDidChange: Event<void> = this.changed.event;

  constructor(
    private readonly model: RecorderModel,
    private readonly pull: PullFile,
    private readonly options: { timeLimitSec?: number; now?: () => number } = {},
  ) {
    super();
    this.register(toDisposable(() => [...this.recordings.values()].forEach((recording) => recording.abandon())));
  }

  get active(): readonly ScreenRecording[] {
    return [...this.recordings.values()];
  }

  recordingOf(device: Pick<Device, 'id'>): ScreenRecording | undefined {
    return this.recordings.get(device.id);
  }

  /** Starts recording `device`; resolves once screenrecord runs (or refused). */
  async start(device: Device): Promise<StartResult> {
    if (this.recordings.has(device.id)) return { ok: false, problem: 'already', message: `${device.serial} is already being recorded` };
    const timeLimitSec = Math.min(this.options.timeLimitSec ?? MAX_TIME_LIMIT_SEC, MAX_TIME_LIMIT_SEC);
    const now = this.options.now ?? Date.now;
    const recording = new ScreenRecording(device, this.model, this.pull, timeLimitSec, now);
    this.recordings.set(device.id, recording);
    this.changed.fire();
    void recording.finished.then(() => {
      this.recordings.delete(device.id);
      this.changed.fire();
    });
    if (!(await recording.opened)) {
      const outcome = await recording.finished;
      return { ok: false, problem: 'failed', message: outcome.message ?? 'screenrecord did not start' };
    }
    return { ok: true, recording };
  }
}

export class ScreenRecording {
  /** The file on the device: digits only besides the constant folder (see the header). */
  readonly path: string;
  readonly startedAt: number;
  /** True once the device runs screenrecord, false when the stream ended before. */
  readonly opened: Promise<boolean>;
  /** Resolves once, when it ended and its file was pulled (or could not be) and deleted on the device. */
  readonly finished: Promise<RecordingOutcome>;
  private readonly stream: DeviceStream;
  private output = '';
  private stopRequested = false;
  private abandoned = false;

  constructor(
    readonly device: Device,
    private readonly model: RecorderModel,
    private readonly pull: PullFile,
    readonly timeLimitSec: number,
    private readonly now: () => number,
  ) {
    this.startedAt = now();
    this.path = `${RECORDING_FOLDER}/adw-${Math.floor(this.startedAt)}.mp4`;
    this.stream = model.controls.openDeviceStream(serviceTarget(device), `shell:screenrecord --time-limit ${timeLimitSec} ${this.path}`);
    this.stream.onData((chunk) => {
      this.output = (this.output + Buffer.from(chunk).toString('utf8')).slice(-OUTPUT_KEPT);
    });
    this.opened = this.stream.opened;
    this.finished = this.run();
  }

  /** Milliseconds since it started. */
  get elapsedMs(): number {
    return this.now() - this.startedAt;
  }

  get stopping(): boolean {
    return this.stopRequested;
  }

  /**
   * Stops it: SIGINT to screenrecord, which finishes its file and exits, ending the stream; when
   * it has not ended in a while the stream is closed (the device's shell sends SIGHUP).
   */
  stop(): Promise<RecordingOutcome> {
    if (!this.stopRequested && !this.stream.end) {
      this.stopRequested = true;
      void this.sendStop();
    }
    return this.finished;
  }

  /** The extension goes: the stream is closed (screenrecord ends on SIGHUP) and its file deleted. */
  abandon(): void {
    if (this.stream.end) return;
    this.abandoned = true;
    this.stream.cancel();
  }

  private async sendStop(): Promise<void> {
    await this.stream.opened;
    await this.model.controls.requestDeviceService(serviceTarget(this.device), 'exec:pkill -INT screenrecord', { timeoutMs: SHELL_TIMEOUT_MS });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_WAIT_MS)));
    const ended = await Promise.race([this.stream.ended, late]);
    clearTimeout(timer);
    if (ended === 'late') this.stream.cancel();
  }

  private async run(): Promise<RecordingOutcome> {
    const end = await this.stream.ended;
    const durationMs = this.elapsedMs;
    const kind = this.endKind(end, durationMs);
    if (kind === 'device-gone') return { kind, durationMs, message: end.message };
    if (kind === 'disposed') {
      await this.deleteOnDevice();
      return { kind, durationMs };
    }
    if (kind === 'failed') {
      await this.deleteOnDevice();
      return { kind, durationMs, message: this.said() ?? end.message };
    }
    let video: Uint8Array;
    try {
      video = await this.pull(this.device, this.path);
    } catch (error) {
      // The device left while its file was read: nothing partial is kept.
      const gone = !this.listed();
      if (!gone) await this.deleteOnDevice();
      return { kind: gone ? 'device-gone' : 'failed', durationMs, message: (error as Error).message };
    }
    await this.deleteOnDevice();
    const problem = mp4Problem(video);
    if (problem) return { kind: 'failed', durationMs, message: this.said() ?? problem };
    return { kind, durationMs, video };
  }

  private endKind(end: DeviceServiceEnd, durationMs: number): RecordingEndKind {
    if (end.reason === 'device-gone' || !this.listed()) return 'device-gone';
    if (this.abandoned) return 'disposed';
    // The device ended the stream (screenrecord exited); or this side closed it after a stop that took too long.
    if (end.reason === 'closed' || (end.reason === 'cancelled' && this.stopRequested)) {
      if (this.stopRequested) return 'stopped';
      if (durationMs >= this.timeLimitSec * 1000 - LIMIT_SLACK_MS) return 'time-limit';
      return 'ended';
    }
    return 'failed';
  }

  /** The device is still listed, ready, on the same connection. */
  private listed(): boolean {
    return stillListed(this.model, this.device);
  }

  private said(): string | undefined {
    return printable(this.output) || undefined;
  }

  private async deleteOnDevice(): Promise<void> {
    if (!this.listed()) return;
    await this.model.controls.requestDeviceService(serviceTarget(this.device), `exec:rm -f -- '${this.path}'`, { timeoutMs: SHELL_TIMEOUT_MS });
  }
}

/**
 * Why `bytes` is not a whole MP4, or undefined when it is: top-level boxes from `ftyp` to the end
 * of the file, exactly, with a `moov` (screenrecord writes it last, on a clean stop; a file cut
 * short has none, or a box that runs past the end).
 */
export function mp4Problem(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return 'the recording is empty';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = (at: number) => String.fromCharCode(...bytes.subarray(at + 4, at + 8));
  if (bytes.length < 8 || type(0) !== 'ftyp') return 'the recording is not an MP4 file';
  let sawMoov = false;
  let at = 0;
  while (at < bytes.length) {
    if (at + 8 > bytes.length) return 'the recording was cut short';
    let size = view.getUint32(at);
    if (size === 1) {
      if (at + 16 > bytes.length) return 'the recording was cut short';
      size = Number(view.getBigUint64(at + 8));
    } else if (size === 0) {
      // "To the end of the file": a box the muxer never closed.
      return 'the recording was not finished';
    }
    if (size < 8) return 'the recording is damaged';
    if (type(at) === 'moov') sawMoov = true;
    at += size;
  }
  if (at !== bytes.length) return 'the recording was cut short';
  return sawMoov ? undefined : 'the recording was not finished';
}
