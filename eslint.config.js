import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'index/', 'reports/', '.tmp/', 'training/.venv/', 'training/data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Plain Node scripts (maintenance): Node's globals.
  { files: ['**/*.mjs'], languageOptions: { globals: { console: 'readonly', process: 'readonly' } } },
  // The web page's script (src/serve/page/): a browser module.
  {
    files: ['src/serve/page/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: { document: 'readonly', window: 'readonly', fetch: 'readonly', sessionStorage: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
