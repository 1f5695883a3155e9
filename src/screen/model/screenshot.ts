// A screenshot of a device: `exec:screencap -p` (exec, not shell: adbd passes the bytes through
// untouched, where a shell's terminal may turn \n into \r\n on older devices) as one bounded
// request, checked to be a PNG; and the names screenshots and recordings are saved under.

import { Device } from '../../core/types';
import { serviceTarget, WatcherControls } from '../../devices/model/watcherModel';

/** A phone's screen as a PNG is a few MB; past this it is not a screenshot. */
export const SCREENSHOT_MAX_BYTES = 16 * 1024 * 1024;
/** screencap takes well under a second; a slow USB 2 link and a large screen take a few. */
const SCREENSHOT_TIMEOUT_MS = 30_000;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export type ScreenshotResult =
  | { ok: true; png: Uint8Array; width: number; height: number }
  | {
      ok: false;
      /** `gone`: the device left; `not-png`: it answered with something else (`said`: its words). */
      problem: 'gone' | 'not-png' | 'too-large' | 'failed';
      message: string;
      said?: string;
    };

/** The width and height in a PNG's header, when `bytes` starts like a PNG with its IHDR chunk. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24 || PNG_SIGNATURE.some((byte, at) => bytes[at] !== byte)) return undefined;
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** What a screenshot needs of the watcher model: its device services and its list. */
export interface ScreenModel {
  readonly controls: Pick<WatcherControls, 'requestDeviceService'>;
  readonly devices: readonly Device[];
}

/** The device is still listed, ready, on the same connection (a service that failed may say why less plainly). */
export function stillListed(model: Pick<ScreenModel, 'devices'>, device: Device): boolean {
  return model.devices.some((d) => d.id === device.id && d.state === 'device' && d.transportId === device.transportId);
}

export async function takeScreenshot(model: ScreenModel, device: Device): Promise<ScreenshotResult> {
  const result = await model.controls.requestDeviceService(serviceTarget(device), 'exec:screencap -p', { maxBytes: SCREENSHOT_MAX_BYTES, timeoutMs: SCREENSHOT_TIMEOUT_MS });
  if (!result.ok) {
    // adb refuses a transport it has dropped ("no device with transport id"): that too is a device gone.
    const gone = result.end.reason === 'device-gone' || !stillListed(model, device);
    const problem = gone ? 'gone' : result.end.reason === 'too-large' ? 'too-large' : 'failed';
    return { ok: false, problem, message: result.end.message };
  }
  const size = pngSize(result.data);
  if (!size) {
    // What a device says instead is text ("screencap: not found", a permission error): shown, cut short.
    const said = printable(Buffer.from(result.data.subarray(0, 200)).toString('utf8'));
    return { ok: false, problem: 'not-png', message: `screencap answered ${result.data.length} bytes that are not a PNG`, said };
  }
  return { ok: true, png: result.data, ...size };
}

/** Device text for a message: control characters out, one line. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

/** A device name as part of a file name: letters, digits, `.`, `_` and `-` only, never empty or hidden. */
export function fileNamePart(name: string): string {
  const safe = name
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/^[._-]+|[._-]+$/g, '')
    .slice(0, 60);
  return safe || 'device';
}

/** `Pixel_8_2026-12-08_14-03-22.png`: the device's name and the local time, sortable. */
export function captureFileName(name: string, at: Date, extension: 'png' | 'mp4'): string {
  const two = (value: number) => String(value).padStart(2, '0');
  const date = `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}`;
  const time = `${two(at.getHours())}-${two(at.getMinutes())}-${two(at.getSeconds())}`;
  return `${fileNamePart(name)}_${date}_${time}.${extension}`;
}

/** The name again with `_2`, `_3`, … before its extension, for a second capture in the same second. */
export function numberedFileName(fileName: string, number: number): string {
  const dot = fileName.lastIndexOf('.');
  return `${fileName.slice(0, dot)}_${number}${fileName.slice(dot)}`;
}
