import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'index/', 'reports/', '.tmp/', 'training/.venv/', 'training/data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Plain Node scripts (maintenance): Node's globals.
  { files: ['**/*.mjs'], languageOptions: { globals: { console: 'readonly', process: 'readonly' } } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
