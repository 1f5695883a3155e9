// Checks the Simplified Chinese translations against the sources, so a new or reworded message
// cannot ship untranslated (VS Code would silently fall back to English):
//  - l10n/bundle.l10n.zh-cn.json has exactly the keys of every vscode.l10n.t(...) call in src/;
//  - package.nls.zh-cn.json has exactly the keys of package.nls.json, which has every %key% of package.json;
//  - each translation keeps its message's {0} placeholders.
// Usage: npm run l10n:check   (exit 1 with the list of problems; missing keys printed as JSON to paste)
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { projectRoot } from '../lab/vscode/codeServer';

const LOCALE = 'zh-cn';

interface Message {
  key: string;
  where: string;
}

/** One line per problem, printed at the end. */
type Problems = string[];

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) return sourceFiles(file);
      return entry.isFile() && file.endsWith('.ts') && !file.endsWith('.d.ts') ? [file] : [];
    })
    .sort();
}

/** `l10n.t` (as `vscode.l10n.t`, or `l10n.t` after `import { l10n } from 'vscode'`). */
function isL10nT(callee: ts.Expression): boolean {
  return (
    ts.isPropertyAccessExpression(callee) &&
    callee.name.text === 't' &&
    ((ts.isIdentifier(callee.expression) && callee.expression.text === 'l10n') ||
      (ts.isPropertyAccessExpression(callee.expression) && callee.expression.name.text === 'l10n'))
  );
}

function literalText(node: ts.Expression | undefined): string | undefined {
  return node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;
}

/**
 * The bundle key of one call, as VS Code computes it: the message, plus `/comment` for the
 * `{ message, comment }` form. Undefined when it is not a literal (it cannot be checked statically).
 */
function bundleKey(call: ts.CallExpression): string | undefined {
  const [first] = call.arguments;
  const text = literalText(first);
  if (text !== undefined || first === undefined || !ts.isObjectLiteralExpression(first)) return text;
  const property = (name: string) =>
    first.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === name)?.initializer;
  const message = literalText(property('message'));
  const comment = property('comment');
  if (message === undefined) return undefined;
  if (comment === undefined) return message;
  const commentText = ts.isArrayLiteralExpression(comment) ? comment.elements.map(literalText) : [literalText(comment)];
  return commentText.every((part) => part !== undefined) ? `${message}/${commentText.join('')}` : undefined;
}

function extractMessages(root: string, problems: Problems): { messages: Map<string, Message>; files: number; calls: number } {
  const messages = new Map<string, Message>();
  const files = sourceFiles(path.join(root, 'src'));
  let calls = 0;
  for (const file of files) {
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && isL10nT(node.expression)) {
        calls++;
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        const where = `${path.relative(root, file)}:${line + 1}`;
        const key = bundleKey(node);
        if (key === undefined) {
          problems.push(`${where}: l10n.t's message is not a string literal, so it cannot be translated or checked: ${node.arguments[0]?.getText(source)}`);
        } else if (!messages.has(key)) {
          messages.set(key, { key, where });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { messages, files: files.length, calls };
}

function readJson(file: string, problems: Problems): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    problems.push(`${file}: missing`);
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    problems.push(`${file}: not a JSON object`);
  } catch (error) {
    problems.push(`${file}: ${(error as Error).message}`);
  }
  return undefined;
}

function placeholders(text: string): string {
  return [...new Set(text.match(/\{\d+\}/g) ?? [])].sort().join(' ');
}

/** Compares a translation file with the keys it must have; returns how many keys are missing. */
function compare(name: string, expected: ReadonlyMap<string, string>, translation: Record<string, unknown>, problems: Problems): number {
  const missing = [...expected.keys()].filter((key) => !(key in translation));
  const extra = Object.keys(translation).filter((key) => !expected.has(key));
  if (missing.length > 0) {
    problems.push(`${name}: ${missing.length} missing; add (and translate):`);
    for (const key of missing) problems.push(`  ${JSON.stringify(key)}: ${JSON.stringify(expected.get(key))},`);
  }
  for (const key of extra) problems.push(`${name}: extra key (no longer in the sources) ${JSON.stringify(key)}`);
  for (const [key, value] of Object.entries(translation)) {
    const english = expected.get(key);
    if (english === undefined) continue;
    if (typeof value !== 'string' || value.trim() === '') {
      problems.push(`${name}: ${JSON.stringify(key)} has an empty or non-string translation`);
    } else if (placeholders(value) !== placeholders(english)) {
      problems.push(`${name}: ${JSON.stringify(key)} has placeholders [${placeholders(value)}], the English has [${placeholders(english)}]`);
    }
  }
  return missing.length;
}

function main(): number {
  const root = projectRoot();
  const problems: Problems = [];
  const summary: string[] = [];

  // Runtime messages: vscode.l10n.t in src/ against l10n/bundle.l10n.zh-cn.json.
  const bundleName = `l10n/bundle.l10n.${LOCALE}.json`;
  const { messages, files, calls } = extractMessages(root, problems);
  const bundle = readJson(path.join(root, bundleName), problems);
  if (bundle !== undefined) {
    const expected = new Map([...messages.keys()].map((key) => [key, key]));
    const missing = compare(bundleName, expected, bundle, problems);
    summary.push(`${bundleName}: ${messages.size} messages from ${calls} l10n.t calls in ${files} files; ${Object.keys(bundle).length} keys, ${missing} missing`);
  }

  // Manifest strings: package.json's %key% in package.nls.json, and its translation.
  const nls = readJson(path.join(root, 'package.nls.json'), problems);
  const nlsName = `package.nls.${LOCALE}.json`;
  const nlsTranslation = readJson(path.join(root, nlsName), problems);
  if (nls !== undefined) {
    const manifest = fs.readFileSync(path.join(root, 'package.json'), 'utf8');
    const referenced = new Set([...manifest.matchAll(/"%([^"%]+)%"/g)].map((match) => match[1]));
    for (const key of referenced) {
      if (!(key in nls)) problems.push(`package.json: %${key}% is not in package.nls.json`);
    }
    if (nlsTranslation !== undefined) {
      const expected = new Map(Object.entries(nls).map(([key, value]) => [key, String(value)]));
      const missing = compare(nlsName, expected, nlsTranslation, problems);
      summary.push(`${nlsName}: ${Object.keys(nlsTranslation).length} of ${expected.size} package.nls.json keys, ${missing} missing (package.json uses ${referenced.size})`);
    }
  }

  for (const line of summary) console.log(line);
  if (problems.length > 0) {
    console.error(`\nl10n check FAILED:\n${problems.join('\n')}`);
    return 1;
  }
  console.log(`l10n check passed (${LOCALE})`);
  return 0;
}

process.exitCode = main();
