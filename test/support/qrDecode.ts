// Reads a QR code back from an image, for tests that check what the pairing panel shows: a UI
// test screenshots the panel's code in a real workbench and compares the payload it decodes.

import jsQR from 'jsqr';
import { PNG } from 'pngjs';

/** The text of the QR code in a PNG image (a screenshot), or undefined when none is found. */
export function decodeQrFromPng(png: Buffer): string | undefined {
  const image = PNG.sync.read(png);
  const pixels = new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length);
  return jsQR(pixels, image.width, image.height)?.data;
}
