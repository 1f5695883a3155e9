// The pairing panel's page keeps its promises: a policy with no inline code and nothing remote,
// the one script allowed by its nonce, no inline style; and its script writes text, never markup.

import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { newNonce, pairingHtml, PairingHtmlInputs, PAIRING_VIEW_TYPE } from '../../src/pairing/ui/pairingHtml';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** As VS Code gives them: the webview's origin is served from a CDN-like https host. */
const INPUTS: PairingHtmlInputs = {
  cspSource: "'self' https://*.vscode-cdn.net",
  nonce: 'r4nd0mN0nce+/AbC==',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/pairing/panel.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/pairing/panel.css',
  lang: 'zh-cn',
};

/** The policy's directives, by name, from the page's CSP meta tag (attribute entities decoded). */
function policy(html: string): Map<string, string[]> {
  const metas = [...html.matchAll(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/g)];
  assert.equal(metas.length, 1, 'one CSP meta tag');
  const content = metas[0][1].replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return new Map(
    content
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter((words) => words[0] !== '')
      .map(([name, ...sources]) => [name, sources]),
  );
}

describe('pairing panel page', () => {
  const html = pairingHtml(INPUTS);

  it('has a strict policy: nothing by default, images from data: only, styles from the webview, the script by nonce', () => {
    const directives = policy(html);
    assert.deepEqual([...directives.keys()].sort(), ['default-src', 'img-src', 'script-src', 'style-src']);
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    assert.deepEqual(directives.get('img-src'), ['data:']);
    assert.deepEqual(directives.get('style-src'), INPUTS.cspSource.split(' '));
    assert.deepEqual(directives.get('script-src'), [`'nonce-${INPUTS.nonce}'`]);
  });

  it('allows no inline or evaluated code, and no http(s) source but the webview\'s own', () => {
    const sources = [...policy(html).values()].flat();
    for (const unsafe of ["'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "'strict-dynamic'", '*']) {
      assert.ok(!sources.includes(unsafe), `${unsafe} in ${sources.join(' ')}`);
    }
    const own = new Set(INPUTS.cspSource.split(' '));
    assert.deepEqual(sources.filter((source) => /^https?:/i.test(source) && !own.has(source)), []);
  });

  it('loads one script, carrying the nonce, and no inline script', () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 1);
    const [, attributes, body] = scripts[0];
    assert.ok(attributes.includes(`nonce="${INPUTS.nonce}"`), attributes);
    assert.ok(attributes.includes(`src="${INPUTS.scriptUri}"`), attributes);
    assert.equal(body.trim(), '');
  });

  it('has no inline style and no inline event handler', () => {
    assert.doesNotMatch(html, /\sstyle\s*=/i);
    assert.doesNotMatch(html, /<style\b/i);
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i);
    assert.equal([...html.matchAll(/<link rel="stylesheet" href="([^"]*)">/g)].map((match) => match[1]).join(), INPUTS.styleUri);
  });

  it('has the elements the script fills in and UI tests read', () => {
    for (const id of ['heading', 'instructions', 'qr', 'steps', 'outcome', 'actions']) {
      assert.match(html, new RegExp(`id="${id}"`), id);
    }
    assert.match(html, /<div id="qr" hidden><img><\/div>/);
    assert.match(html, /<ol id="steps" role="status" aria-live="polite">/);
    assert.match(html, /<html lang="zh-cn">/);
    assert.ok(html.includes(`<body data-view-type="${PAIRING_VIEW_TYPE}">`), 'the page names its viewType');
  });

  it('escapes what it puts in attributes', () => {
    const page = pairingHtml({ ...INPUTS, lang: 'en"><script>alert(1)</script>', scriptUri: 'https://x/panel.js?a=1&b="2"' });
    assert.equal([...page.matchAll(/<script\b/g)].length, 1);
    assert.match(page, /lang="en&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
    assert.match(page, /src="https:\/\/x\/panel\.js\?a=1&amp;b=&quot;2&quot;"/);
  });

  it('gets a new nonce each time, from enough random bits, in base64', () => {
    const nonces = new Set(Array.from({ length: 20 }, newNonce));
    assert.equal(nonces.size, 20);
    for (const nonce of nonces) assert.match(nonce, /^[A-Za-z0-9+/]{22}==$/);
  });

  it('its script puts host strings in as text, never as markup', () => {
    const script = readFileSync(path.join(ROOT, 'media', 'pairing', 'panel.js'), 'utf8');
    assert.doesNotMatch(script, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
    assert.match(script, /textContent/);
  });
});
