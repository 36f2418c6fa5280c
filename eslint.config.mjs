// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', 'eslint.config.mjs', 'bench/results/**', '.tmp/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node, ...globals.jest }, sourceType: 'commonjs' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Features meet through their index.ts (and events), never through another feature's internals.
      'no-restricted-imports': ['error', { patterns: [{ group: ['@vigil/*/*', '**/libs/*/src/*'], message: 'Import a library through its index (@vigil/<lib>).' }] }],
      // Configuration is read once, in libs/config.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through @vigil/config (VigilConfig).' }],
    },
  },
  {
    files: ['**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['libs/config/src/**', 'test/**', 'bench/**', '**/*.spec.ts', '**/*.int-spec.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
