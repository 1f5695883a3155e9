// The pairing QR code as an SVG image, drawn host-side: dark modules on a white square with a
// quiet zone whatever the theme, since a phone's camera needs the contrast. No vscode import, so
// the unit tests decode exactly what the panel shows.

import { create } from 'qrcode/lib/core/qrcode';
import { render } from 'qrcode/lib/renderer/svg-tag';

/** The quiet zone the QR standard asks for, in modules. */
const QUIET_ZONE = 4;
/** Drawn about this wide; rounded so that each module is a whole number of pixels (crisp edges). */
const TARGET_WIDTH_PX = 256;

/** An `<svg>` element of the code for `payload`, at error correction level M. */
export function qrSvg(payload: string): string {
  const qr = create(payload, { errorCorrectionLevel: 'M' });
  const cells = qr.modules.size + 2 * QUIET_ZONE;
  return render(qr, {
    margin: QUIET_ZONE,
    width: cells * Math.max(1, Math.round(TARGET_WIDTH_PX / cells)),
    color: { dark: '#000000ff', light: '#ffffffff' },
  });
}

/** The code as an image source (`data:` URL), for an `<img>` under a policy that allows only `img-src data:`. */
export function qrImageSource(payload: string): string {
  return `data:image/svg+xml;base64,${Buffer.from(qrSvg(payload), 'utf8').toString('base64')}`;
}
