// Renders media/icon.svg to media/icon.png (128x128, transparent) with headless Chromium, so the
// Marketplace icon is drawn by a real SVG renderer with anti-aliasing and needs no new dependency.
// Usage: npx tsc -p . && node out/tools/makeIcon.js [--size N --out FILE]  (other sizes: previews)
import { rmSync } from 'fs';
import * as fs from 'fs/promises';
import * as os from 'os';
import * as path from 'path';
import { chromium } from 'playwright-core';
import { projectRoot } from '../lab/vscode/codeServer';

const ICON_SIZE = 128;

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<void> {
  const root = projectRoot();
  const size = Number(option('--size') ?? ICON_SIZE);
  if (!Number.isInteger(size) || size <= 0) {
    throw new Error(`--size must be a positive integer, not ${option('--size')}`);
  }
  const svgFile = path.join(root, 'media', 'icon.svg');
  const pngFile = path.resolve(option('--out') ?? path.join(root, 'media', 'icon.png'));
  const svg = await fs.readFile(svgFile, 'utf8');

  // Chromium writes crash-report and profile state under HOME: keep it in a temp dir we remove.
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'adw-make-icon-'));
  try {
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu'],
      env: { ...process.env, HOME: home },
    });
    try {
      const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
      // The SVG as an <img> scaled to the viewport; omitBackground keeps the page's white out of the PNG.
      const dataUrl = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
      await page.setContent(
        `<html><body style="margin:0;background:transparent"><img id="icon" src="${dataUrl}" width="${size}" height="${size}" style="display:block"></body></html>`,
      );
      // Screenshot only once the image is decoded (no DOM lib in tsconfig: the element is typed by hand).
      await page.locator('#icon').evaluate((img) => (img as unknown as { decode(): Promise<void> }).decode());
      const png = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
      await fs.writeFile(pngFile, png);
      console.log(`${path.relative(root, pngFile)}: ${size}x${size}, ${png.length} bytes`);
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
