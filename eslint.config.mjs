import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
    files: ['src/poller/**/*.ts', 'src/core/**/*.ts', 'src/*/model/**/*.ts', 'src/*/worker/**/*.ts'],
    ignores: ['src/core/ui/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'Only ui/ folders import vscode.' }] }],
    },
  },
);
