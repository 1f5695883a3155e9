import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import house from './tools/eslint/importBoundaries.mjs';

export default tseslint.config(
  { ignores: ['dist/', 'out/', 'node_modules/', '.vscode-test/', 'esbuild.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.name=/^(execFileSync|spawnSync|execSync)$/]",
          message: 'Blocking child_process calls freeze the event loop (and force-kill cannot interrupt them).',
        },
        {
          selector: "CallExpression[callee.property.name=/^(execFileSync|spawnSync|execSync)$/]",
          message: 'Blocking child_process calls freeze the event loop (and force-kill cannot interrupt them).',
        },
      ],
    },
  },
  {
    // The house's import arrows (docs/architecture.md, "The house"): vscode only in ui/, ui -> model
    // -> worker, no capability into another's insides.
    files: ['src/**/*.ts'],
    plugins: { house },
    rules: { 'house/import-boundaries': 'error' },
  },
);
