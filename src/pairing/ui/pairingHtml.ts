// The pairing panel's page: a skeleton with stable ids that media/pairing/panel.js fills in from the
// host's messages, under a policy that allows no inline style or script and nothing remote. The
// body names the panel's viewType, which VS Code puts nowhere in the DOM, so UI tests can find the
// page among the workbench's frames. No vscode import: unit tests check the page as it is served.

import { randomBytes } from 'node:crypto';

export const PAIRING_VIEW_TYPE = 'androidDeviceWatcher.pairing';

export interface PairingHtmlInputs {
  /** The webview's own origin (`webview.cspSource`): the one place the style sheet comes from. */
  cspSource: string;
  /** Allows the one script tag; new for every page the panel serves. */
  nonce: string;
  scriptUri: string;
  styleUri: string;
  /** The display language (`vscode.env.language`), for the page's `lang`. */
  lang: string;
}

/** A nonce for a page's script tag: 128 random bits, base64 as CSP wants them. */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [`default-src 'none'`, 'img-src data:', `style-src ${cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
}

function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function pairingHtml(inputs: PairingHtmlInputs): string {
  const { cspSource, nonce, scriptUri, styleUri, lang } = inputs;
  return `<!DOCTYPE html>
<html lang="${attribute(lang)}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${attribute(contentSecurityPolicy(cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${attribute(styleUri)}">
</head>
<body data-view-type="${PAIRING_VIEW_TYPE}">
<main>
<h1 id="heading"></h1>
<ol id="instructions"></ol>
<div id="qr" hidden><img></div>
<ol id="steps" role="status" aria-live="polite"></ol>
<section id="outcome" aria-live="polite" hidden><p class="message"></p><p class="hints-label"></p><ul class="hints"></ul></section>
<div id="actions"></div>
</main>
<script nonce="${attribute(nonce)}" src="${attribute(scriptUri)}"></script>
</body>
</html>
`;
}
