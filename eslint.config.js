// Lint: correctness rules that types make possible (floating promises) and the package graph: no
// import cycles, and the parts of parts.json with their arrows, nevers and purity (generated from
// it here, at load time, by scripts/parts-rules.mjs). Formatting is prettier's job, not eslint's.
import { join } from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { loadParts } from './scripts/parts.mjs';
import { partsConfig } from './scripts/parts-rules.mjs';

const parts = loadParts(join(import.meta.dirname, 'parts.json'));

/** Selectors for it/test/describe/suite .only, .skip, .todo, .skipIf, .runIf (also one level down). */
function focusOrSkip() {
  const runner = '/^(it|test|describe|suite)$/';
  const modifier = '/^(only|skip|todo|skipIf|runIf)$/';
  const message = 'no .only, .skip, .todo, .skipIf or .runIf in tests: every test runs in CI';
  return [
    `MemberExpression[property.name=${modifier}][object.name=${runner}]`,
    `MemberExpression[property.name=${modifier}][object.type='MemberExpression'][object.object.name=${runner}]`,
  ].map((selector) => ({ selector, message }));
}

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', '.cache/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts', 'vitest.setup.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/resolver': { node: { extensions: ['.ts', '.js'] } },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'no-console': 'off',
    },
  },
  {
    // A focused or skipped test would leave others unrun: CI (.ci/summary.mjs) fails on a skipped
    // test, and this says so where the code is written. Also chained: it.concurrent.only.
    files: ['**/*.ts', '**/*.mjs'],
    rules: {
      'no-restricted-syntax': ['error', ...focusOrSkip()],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', structuredClone: 'readonly' },
    },
  },
  {
    // The web console's scripts run in the browser (packages/api/console, served by fleetd).
    files: ['packages/api/console/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        document: 'readonly',
        window: 'readonly',
        fetch: 'readonly',
        EventSource: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
      },
    },
  },
  // Last, so that for a part's files these carry the whole no-restricted-syntax list.
  ...partsConfig(parts, { extraSyntax: focusOrSkip() }),
);
