import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', '.turbo/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The planner is pure: facts about the database come in as data.
    files: ['packages/planner/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: ['pg', 'bullmq', 'ioredis', 'express', 'socket.io'].map((name) => ({ name, message: 'packages/planner must stay free of I/O.' })) },
      ],
    },
  },
  {
    files: ['scripts/**/*.js', '*.config.js', 'apps/web/src/test/environment.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: Object.fromEntries(
        ['require', 'module', 'process', '__dirname', 'console', 'fetch', 'setTimeout', 'clearTimeout', 'URL', 'Request', 'Response', 'Headers'].map((name) => [
          name,
          'readonly',
        ]),
      ),
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['packages/*/scripts/**/*.mjs'],
    languageOptions: { globals: Object.fromEntries(['process', 'URL'].map((name) => [name, 'readonly'])) },
  },
);
