// The pairing panel's QR code, decoded back from the very image source the panel shows; and the
// decoder the UI tests read screenshots with.

import * as assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { qrImageSource } from '../../src/pairing/ui/qrSvg';
import { decodeQrFromPng } from '../support/qrDecode';

/**
 * A PNG of the SVG in a `data:` image source, as a browser would draw it. It reads only what
 * qrcode's SVG renderer writes: a width, a `viewBox="0 0 N N"`, a white square, and one stroked
 * path of rows (`M x y.5`, `m dx 0`, `h n`), one unit wide.
 */
function pngOfSvgSource(source: string): Buffer {
  const prefix = 'data:image/svg+xml;base64,';
  assert.ok(source.startsWith(prefix), source.slice(0, 40));
  const svg = Buffer.from(source.slice(prefix.length), 'base64').toString('utf8');
  const cells = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)?.[1]);
  const width = Number(/width="(\d+)"/.exec(svg)?.[1]);
  const path = /<path stroke="#000000" d="([^"]*)"/.exec(svg)?.[1];
  assert.ok(cells > 0 && width > 0 && path !== undefined, svg.slice(0, 200));
  assert.match(svg, /<path fill="#ffffff" d="M0 0h(\d+)v\1H0z"\/>/, 'a white square under the code');
  const scale = width / cells;
  assert.ok(Number.isInteger(scale), `whole pixels per module (${width} px for ${cells} modules)`);

  const dark = Array.from({ length: cells }, () => new Array<boolean>(cells).fill(false));
  let x = 0;
  let y = 0;
  for (const [, command, a, b] of path.matchAll(/([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?/g)) {
    if (command === 'M') {
      x = Number(a);
      y = Math.floor(Number(b));
    } else if (command === 'm') {
      x += Number(a);
    } else {
      for (let i = 0; i < Number(a); i++) dark[y][x + i] = true;
      x += Number(a);
    }
  }

  const png = new PNG({ width, height: width });
  for (let py = 0; py < width; py++) {
    for (let px = 0; px < width; px++) {
      const value = dark[Math.floor(py / scale)][Math.floor(px / scale)] ? 0 : 255;
      png.data.fill(value, (py * width + px) * 4, (py * width + px) * 4 + 3);
      png.data[(py * width + px) * 4 + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

describe('pairing QR code: drawn, then decoded back', () => {
  it('decodes a pairing payload from the image source the panel shows', () => {
    const payload = 'WIFI:T:ADB;S:adw-3fK9qL2x;P:Vb7kQp2mZx4R;;';
    assert.equal(decodeQrFromPng(pngOfSvgSource(qrImageSource(payload))), payload);
  });

  it('decodes it on a dark page too: the code brings its own white quiet zone', () => {
    const payload = 'WIFI:T:ADB;S:adw-3fK9qL2x;P:Vb7kQp2mZx4R;;';
    const code = PNG.sync.read(pngOfSvgSource(qrImageSource(payload)));
    const page = new PNG({ width: code.width + 120, height: code.height + 80 });
    for (let i = 0; i < page.data.length; i += 4) page.data.set([30, 30, 30, 255], i);
    PNG.bitblt(code, page, 0, 0, code.width, code.height, 60, 40);
    assert.equal(decodeQrFromPng(PNG.sync.write(page)), payload);
  });

  it('keeps escaped characters in the service name and password', () => {
    const payload = 'WIFI:T:ADB;S:adw-a\\;b;P:p\\:w;;';
    assert.equal(decodeQrFromPng(pngOfSvgSource(qrImageSource(payload))), payload);
  });

  it('finds no code in an image without one', () => {
    const png = new PNG({ width: 120, height: 80 });
    for (let i = 0; i < png.data.length; i += 4) png.data.set([250, 250, 250, 255], i);
    assert.equal(decodeQrFromPng(PNG.sync.write(png)), undefined);
  });
});
