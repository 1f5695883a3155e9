// The README's command and setting tables are checked against package.json, so they never drift.

import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const nls: Record<string, string> = JSON.parse(readFileSync(path.join(ROOT, 'package.nls.json'), 'utf8'));

/** Rows of the first Markdown table after `## heading`, as arrays of trimmed cells. */
function tableAfter(heading: string): string[][] {
  const section = readme.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|\s*---/.test(line))
    .slice(1)
    .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));
}

const unquote = (cell: string) => cell.replace(/^`|`$/g, '');

describe('README matches package.json', () => {
  it('lists every command, with its palette title, and nothing else', () => {
    const documented = new Map(tableAfter('Commands').map(([title, id]) => [unquote(id), title]));
    const declared = new Map<string, string>(
      manifest.contributes.commands.map((c: { command: string; title: string }) => [c.command, nls[c.title.replace(/^%|%$/g, '')]]),
    );
    assert.deepEqual([...documented.keys()].sort(), [...declared.keys()].sort());
    for (const [id, title] of declared) assert.equal(documented.get(id), title, id);
  });

  it('lists every setting with its type, default and scope, and nothing else', () => {
    const documented = tableAfter('Settings');
    const declared = manifest.contributes.configuration.properties as Record<string, { type: string; default: unknown; scope?: string }>;
    assert.deepEqual(documented.map(([key]) => unquote(key)).sort(), Object.keys(declared).sort());
    for (const [key, type, defaultValue, scope] of documented) {
      const setting = declared[unquote(key)];
      assert.equal(type, setting.type, `${key} type`);
      assert.equal(unquote(defaultValue), JSON.stringify(setting.default), `${key} default`);
      assert.equal(scope, setting.scope ?? 'window', `${key} scope`);
    }
  });

  it('keeps the quick start to the setup, start and test commands that package.json defines', () => {
    const quickStart = readme.split('\n## Quick start\n')[1].split('\n## ')[0];
    for (const script of ['setup', 'start', 'test']) {
      assert.ok(manifest.scripts[script], `npm script ${script}`);
      assert.ok(quickStart.includes(script === 'setup' ? 'npm run setup' : `npm ${script}`), `quick start mentions ${script}`);
    }
    assert.match(readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8'), /npm run setup && npm test/);
  });
});
