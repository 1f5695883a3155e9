// The house's import rules, over resolved paths (see docs/architecture.md, "The house"):
// - `vscode` only in a `ui/` folder and src/extension.ts;
// - inside a capability the arrows run ui -> model -> worker; worker code (src/poller, any
//   `worker/`) imports no model or ui, and a model no ui;
// - outside the worker, only the worker's protocol files are imported from src/poller;
// - a capability imports the core, the devices capability and the worker's protocol, never
//   another capability; `devices` imports no capability; the core imports only itself and the
//   worker's protocol.
import path from 'node:path';

const SHARED_AREAS = new Set(['core', 'devices', 'poller']);

/** Where a file under src/ sits: its area (core, poller, devices, a capability) and its part. */
export function placeOf(file, srcRoot) {
  const relative = path.relative(srcRoot, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  const parts = relative.split(path.sep);
  if (parts.length === 1) return { area: 'root', part: 'root' };
  const area = parts[0];
  if (area === 'poller') return { area, part: 'worker', protocol: /(^protocol|Protocol)(\.ts)?$/.test(parts.at(-1)) };
  const part = parts.length > 2 && ['ui', 'model', 'worker'].includes(parts[1]) ? parts[1] : area === 'core' ? 'core' : 'model';
  return { area, part, protocol: part === 'worker' && /Protocol(\.ts)?$/.test(parts.at(-1)) };
}

/** Why `from` may not import `to`, or undefined when it may. */
export function forbiddenImport(from, to) {
  if (from.area === 'root') return undefined;
  if (from.part === 'worker' && (to.part === 'model' || to.part === 'ui')) return 'worker code imports no model or ui (it runs in the worker thread)';
  if (from.part !== 'ui' && to.part === 'ui') return 'only ui code imports ui code (ui -> model -> worker)';
  if (to.area === 'poller' && !to.protocol && from.part !== 'worker') return 'outside the worker, only its protocol is imported from src/poller';
  if (from.area === to.area) return undefined;
  if (from.area === 'core') return to.area === 'poller' && to.protocol ? undefined : 'the core imports only itself and the worker protocol';
  if (from.area === 'poller') return to.area === 'core' || to.part === 'worker' ? undefined : 'the worker imports the core and worker parts only';
  if (from.area === 'devices') return SHARED_AREAS.has(to.area) ? undefined : 'devices imports no capability (a capability registers itself)';
  if (!SHARED_AREAS.has(to.area)) return `a capability never imports another capability's insides (${from.area} -> ${to.area})`;
  return undefined;
}

const importBoundaries = {
  meta: { type: 'problem', schema: [], messages: { forbidden: '{{why}}: {{spec}}' } },
  create(context) {
    const srcRoot = path.join(context.cwd, 'src');
    const file = context.filename;
    const from = placeOf(file, srcRoot);
    if (!from) return {};
    const check = (node, spec) => {
      if (typeof spec !== 'string') return;
      if (spec === 'vscode') {
        if (from.part !== 'ui' && from.area !== 'root') context.report({ node, messageId: 'forbidden', data: { why: 'vscode is imported only in ui/ folders', spec } });
        return;
      }
      if (!spec.startsWith('.')) return;
      const to = placeOf(path.resolve(path.dirname(file), spec), srcRoot);
      const why = to && forbiddenImport(from, to);
      if (why) context.report({ node, messageId: 'forbidden', data: { why, spec } });
    };
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
      TSImportEqualsDeclaration: (node) =>
        node.moduleReference.type === 'TSExternalModuleReference' && check(node.moduleReference.expression, node.moduleReference.expression.value),
    };
  },
};

export default { rules: { 'import-boundaries': importBoundaries } };
