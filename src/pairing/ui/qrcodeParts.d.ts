// Types for the two parts of the qrcode package the pairing panel imports on their own (its main
// entry also loads the PNG and terminal renderers); @types/qrcode describes the main entry only.

declare module 'qrcode/lib/core/qrcode' {
  export { create } from 'qrcode';
}

declare module 'qrcode/lib/renderer/svg-tag' {
  import type { QRCode, QRCodeRenderersOptions } from 'qrcode';
  export function render(qrData: QRCode, options?: QRCodeRenderersOptions): string;
}
