// The device side of the screen: `screencap` (a PNG of the screen with -p or a .png file name,
// else the raw header and RGBA pixels), `screenrecord` (an MP4 file on the device when it ends),
// `pkill` of a recording, and `wm size`. The screen's size is the `sim.screen.size` property
// (WxH, default 1080x2400), what `wm size` reports as the physical size.
//
// screenrecord (frameworks/av/cmds/screenrecord/screenrecord.cpp) runs until its time limit
// (--time-limit, default and at most 180 s) or a signal: it catches SIGINT and SIGHUP, so Ctrl-C,
// `pkill -INT screenrecord` and the host closing the adb shell stream (the device's shell gets a
// SIGHUP) all end it cleanly, with the MP4's moov written; SIGKILL leaves the file as it was.

import { PNG } from 'pngjs';
import { SHELL } from './fileSystem';
import { wordsOf } from './fileCommands';
import { PushStream, SimCapability, SimDeviceContext, SimStream, ShellInvocation, bufferStream } from './simService';
import { deviceFiles } from './syncService';

export const DEFAULT_SCREEN_SIZE = '1080x2400';
const MAX_TIME_LIMIT_SEC = 180;
const FPS = 60;

/**
 * One H.264 frame (64x64, Android green) in an MP4 with `ftyp`, `moov` first and `mdat`, 849 bytes:
 * what every recording leaves, whatever its length. Made with ffmpeg 5.1 / libx264:
 * `ffmpeg -f lavfi -i color=c=0x3ddc84:s=64x64:r=1:d=1 -frames:v 1 -c:v libx264 -preset veryslow
 * -tune stillimage -pix_fmt yuv420p -bsf:v filter_units=remove_types=6 -movflags +faststart
 * -map_metadata -1 -fflags +bitexact -flags:v +bitexact tiny.mp4` (the SEI with x264's settings
 * removed); ffprobe reads one 64x64 h264 frame from it.
 */
export const RECORDING_MP4 = Buffer.from(
  'AAAAIGZ0eXBpc29tAAACAGlzb21pc28yYXZjMW1wNDEAAAL0bW9vdgAAAGxtdmhkAAAAAAAAAAAAAAAAAAAD6AAAA+gAAQAAAQAA' +
    'AAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAA' +
    'AkN0cmFrAAAAXHRraGQAAAADAAAAAAAAAAAAAAABAAAAAAAAA+gAAAAAAAAAAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAABAAAA' +
    'AAAAAAAAAAAAAABAAAAAAEAAAABAAAAAAAAkZWR0cwAAABxlbHN0AAAAAAAAAAEAAAPoAAAAAAABAAAAAAG7bWRpYQAAACBtZGhk' +
    'AAAAAAAAAAAAAAAAAABAAAAAQABVxAAAAAAALWhkbHIAAAAAAAAAAHZpZGUAAAAAAAAAAAAAAABWaWRlb0hhbmRsZXIAAAABZm1p' +
    'bmYAAAAUdm1oZAAAAAEAAAAAAAAAAAAAACRkaW5mAAAAHGRyZWYAAAAAAAAAAQAAAAx1cmwgAAAAAQAAASZzdGJsAAAAwnN0c2QA' +
    'AAAAAAAAAQAAALJhdmMxAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAAAEAAQABIAAAASAAAAAAAAAABDExhdmMgbGlieDI2NAAAAAAA' +
    'AAAAAAAAAAAAAAAAAAAAGP//AAAAOGF2Y0MBZAAK/+EAGmdkAAqscgREJsBEAAADAAQAAAMACDxIlhGAAQAHaOhDjxMhMP34+AAA' +
    'AAAQcGFzcAAAAAEAAAABAAAAFGJ0cnQAAAAAAAABaAAAAWgAAAAYc3R0cwAAAAAAAAABAAAAAQAAQAAAAAAcc3RzYwAAAAAAAAAB' +
    'AAAAAQAAAAEAAAABAAAAFHN0c3oAAAAAAAAALQAAAAEAAAAUc3RjbwAAAAAAAAABAAADJAAAAD11ZHRhAAAANW1ldGEAAAAAAAAA' +
    'IWhkbHIAAAAAAAAAAG1kaXJhcHBsAAAAAAAAAAAAAAAACGlsc3QAAAAIZnJlZQAAADVtZGF0AAAAKWWIgQAC+c/+7oK+BTXP7Xvc' +
    'pyyIU9c+OqC9NC+nQ7qVEK2KAW9U6qGZ',
  'base64',
);

export function screenSize(device: SimDeviceContext): { width: number; height: number } {
  const match = /^(\d+)x(\d+)$/.exec(device.properties['sim.screen.size'] ?? DEFAULT_SCREEN_SIZE);
  const [width, height] = match ? [Number(match[1]), Number(match[2])] : [1080, 2400];
  return { width, height };
}

/** A home screen: a gradient wallpaper, a status bar, a grid of app icons and a navigation bar. */
export function renderScreen(width: number, height: number): Buffer {
  const pixels = Buffer.alloc(width * height * 4);
  const statusBar = Math.round(height / 38);
  const navBar = Math.round(height / 20);
  const icon = Math.round(width / 6);
  const gap = Math.round((width - 4 * icon) / 5);
  const colors = [
    [0x3d, 0xdc, 0x84],
    [0x42, 0x85, 0xf4],
    [0xea, 0x43, 0x35],
    [0xfb, 0xbc, 0x05],
  ];
  for (let y = 0; y < height; y++) {
    const shade = y / height;
    let row = [Math.round(20 + 30 * shade), Math.round(40 + 90 * shade), Math.round(90 + 60 * shade)];
    if (y < statusBar || y >= height - navBar) row = [0x10, 0x10, 0x10];
    for (let x = 0; x < width; x++) {
      let [r, g, b] = row;
      const column = Math.floor((x - gap) / (icon + gap));
      const inIconX = column >= 0 && column < 4 && (x - gap) % (icon + gap) < icon;
      const band = Math.floor((y - 4 * statusBar) / (icon + gap));
      const inIconY = band >= 0 && band < 4 && (y - 4 * statusBar) % (icon + gap) < icon;
      if (inIconX && inIconY) [r, g, b] = colors[(column + band) % colors.length];
      const at = (y * width + x) * 4;
      pixels[at] = r;
      pixels[at + 1] = g;
      pixels[at + 2] = b;
      pixels[at + 3] = 0xff;
    }
  }
  return pixels;
}

interface ScreenState {
  size?: string;
  rgba?: Buffer;
  png?: Buffer;
  recordings: Set<Recording>;
}

function screenState(device: SimDeviceContext): ScreenState {
  return device.stateOf<ScreenState>('screen', () => ({ recordings: new Set() }));
}

/** The screen's pixels and PNG, made once per size. */
function capture(device: SimDeviceContext): { width: number; height: number; rgba: Buffer; png: Buffer } {
  const state = screenState(device);
  const { width, height } = screenSize(device);
  const size = `${width}x${height}`;
  if (state.size !== size || !state.rgba || !state.png) {
    const image = new PNG({ width, height });
    image.data = renderScreen(width, height);
    state.rgba = image.data;
    state.png = PNG.sync.write(image, { colorType: 2, deflateLevel: 6 });
    state.size = size;
  }
  return { width, height, rgba: state.rgba, png: state.png };
}

function screencap(call: ShellInvocation, device: SimDeviceContext): SimStream | undefined {
  const words = wordsOf(call.command);
  if (!words) return undefined;
  const args = words.slice(1);
  const png = args.includes('-p');
  const operands = args.filter((arg) => !arg.startsWith('-'));
  if (args.some((arg) => arg.startsWith('-') && arg !== '-p') || operands.length > 1) return undefined;
  const shot = capture(device);
  let bytes: Buffer;
  if (png || operands[0]?.endsWith('.png')) {
    bytes = shot.png;
  } else {
    // width, height, format (1: RGBA_8888), dataspace (0: unknown), then the pixels.
    const header = Buffer.alloc(16);
    header.writeUInt32LE(shot.width, 0);
    header.writeUInt32LE(shot.height, 4);
    header.writeUInt32LE(1, 8);
    bytes = Buffer.concat([header, shot.rgba]);
  }
  if (operands.length === 0) return bufferStream(bytes);
  const stream = new PushStream();
  try {
    deviceFiles(device).writeFile(operands[0], SHELL, bytes, 0o644);
    stream.end(0);
  } catch (error) {
    stream.write(`Error opening file: ${operands[0]} (${error instanceof Error ? error.message : String(error)})\n`, 'stderr');
    stream.end(1);
  }
  return stream;
}

/** One running screenrecord. */
class Recording {
  private readonly started = Date.now();
  private timer?: NodeJS.Timeout;
  private done = false;

  constructor(
    private readonly device: SimDeviceContext,
    private readonly path: string,
    private readonly verbose: boolean,
    readonly stream: PushStream,
    timeLimitSec: number,
  ) {
    this.timer = setTimeout(() => this.stop('SIGALRM'), timeLimitSec * 1000);
    screenState(device).recordings.add(this);
  }

  /** Ends the recording; SIGKILL leaves the file without its moov, anything else finishes it. */
  stop(signal: 'SIGINT' | 'SIGHUP' | 'SIGTERM' | 'SIGKILL' | 'SIGALRM'): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    screenState(this.device).recordings.delete(this);
    if (signal === 'SIGKILL') {
      this.stream.end(137);
      return;
    }
    const seconds = Math.round((Date.now() - this.started) / 1000);
    try {
      deviceFiles(this.device).writeFile(this.path, SHELL, RECORDING_MP4, 0o644);
    } catch (error) {
      this.stream.write(`Unable to write '${this.path}': ${error instanceof Error ? error.message : String(error)}\n`, 'stderr');
      this.stream.end(1);
      return;
    }
    if (this.verbose) {
      this.stream.write(`Encoder stopping; recorded ${Math.max(1, seconds * FPS)} frames in ${seconds} seconds\n`);
      this.stream.write('Stopping encoder and muxer\n');
    }
    // SIGTERM is not caught: the muxer is stopped by the exit path all the same, status 143.
    this.stream.end(signal === 'SIGTERM' ? 143 : 0);
  }
}

function usageError(text: string): SimStream {
  const stream = new PushStream();
  stream.write(text, 'stderr');
  stream.end(2);
  return stream;
}

function screenrecord(call: ShellInvocation, device: SimDeviceContext): SimStream | undefined {
  const words = wordsOf(call.command);
  if (!words) return undefined;
  let timeLimit = MAX_TIME_LIMIT_SEC;
  let verbose = false;
  const operands: string[] = [];
  for (let index = 1; index < words.length; index++) {
    const word = words[index];
    if (word === '--verbose') verbose = true;
    else if (word === '--time-limit') {
      timeLimit = Number.parseInt(words[++index] ?? '0', 10) || 0;
      if (timeLimit <= 0 || timeLimit > MAX_TIME_LIMIT_SEC) {
        return usageError(`Time limit ${timeLimit}s outside acceptable range [1,${MAX_TIME_LIMIT_SEC}]\n`);
      }
    } else if (word === '--size' || word === '--bit-rate' || word === '--output-format' || word === '--display-id') index++;
    else if (word === '--bugreport' || word === '--rotate') continue;
    else if (word.startsWith('-')) return usageError(`Unknown option '${word}'\n`);
    else operands.push(word);
  }
  if (operands.length !== 1) return usageError('Must specify output file (see --help).\n');
  const path = operands[0];
  const stream = new PushStream();
  try {
    // The muxer opens (and truncates) its file first; the moov is written when recording ends.
    deviceFiles(device).writeFile(path, SHELL, Buffer.alloc(0), 0o644);
  } catch (error) {
    stream.write(`Unable to open '${path}': ${error instanceof Error ? error.message : String(error)}\n`, 'stderr');
    stream.end(1);
    return stream;
  }
  const { width, height } = screenSize(device);
  if (verbose) {
    stream.write(`Display is ${width}x${height} @${FPS}.00fps (orientation=ROTATION_0), layerStack=0\n`);
    stream.write(`Configuring recorder for ${width}x${height} video/avc at 20.00Mbps\n`);
    stream.write(`Content area is ${width}x${height} at offset x=0 y=0\n`);
  }
  const recording = new Recording(device, path, verbose, stream, timeLimit);
  // The host closed the stream: the shell's session ends and screenrecord gets SIGHUP.
  stream.onClosed = () => recording.stop('SIGHUP');
  return stream;
}

const SIGNALS: Record<string, 'SIGINT' | 'SIGHUP' | 'SIGTERM' | 'SIGKILL'> = {
  INT: 'SIGINT',
  '2': 'SIGINT',
  HUP: 'SIGHUP',
  '1': 'SIGHUP',
  TERM: 'SIGTERM',
  '15': 'SIGTERM',
  KILL: 'SIGKILL',
  '9': 'SIGKILL',
};

/** `pkill [-SIGNAL] screenrecord`: status 0 when a process was signalled, 1 when none matched. */
function pkill(call: ShellInvocation, device: SimDeviceContext): SimStream | undefined {
  const words = wordsOf(call.command);
  if (!words) return undefined;
  let signal: 'SIGINT' | 'SIGHUP' | 'SIGTERM' | 'SIGKILL' = 'SIGTERM';
  const names: string[] = [];
  for (const word of words.slice(1)) {
    if (word.startsWith('-')) {
      const named = SIGNALS[word.slice(1).replace(/^SIG/, '')];
      if (!named) return undefined;
      signal = named;
    } else names.push(word);
  }
  if (names.length !== 1) return undefined;
  const recordings = names[0] === 'screenrecord' ? [...screenState(device).recordings] : [];
  for (const recording of recordings) recording.stop(signal);
  return bufferStream('', recordings.length > 0 ? 0 : 1);
}

function wm(call: ShellInvocation, device: SimDeviceContext): SimStream | undefined {
  if (call.argv.length !== 2 || call.argv[1] !== 'size') return undefined;
  const { width, height } = screenSize(device);
  return bufferStream(`Physical size: ${width}x${height}\n`);
}

export const screenCapability: SimCapability = {
  name: 'screen',
  shellCommands: { screencap, screenrecord, pkill, wm },
  control(action, _payload, device) {
    // How many screenrecords run now (a test waits for a recording it started to end).
    if (action === 'recordings') return screenState(device).recordings.size;
    throw new Error(`the screen control has no action ${action}`);
  },
};
