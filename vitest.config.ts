import { defineConfig } from 'vitest/config';

// Three projects, all run by `npm test`:
// - unit: pure and in-memory tests, fast, run in parallel;
// - integration: tests against real processes started by the tests (etcd, sshd);
// - e2e: real systemd in systemd-nspawn machines; files run one at a time.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    // A stray `.only` fails the run everywhere, not only where CI=true (vitest's default).
    allowOnly: false,
    // Every property test draws from one seed (FLEET_FC_SEED, fixed by default); printed on failure.
    setupFiles: ['./vitest.setup.ts'],
    // The JSON report feeds CI's closing "N passed, N failed" line (.ci/summary.mjs), which also
    // fails on a project that ran fewer tests than .ci/minimums.json states, and on any test that
    // never ran (skipped, todo, or behind a failed beforeAll).
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'packaging/src/**/*.test.ts',
            '.ci/**/*.test.mjs',
            'scripts/**/*.test.mjs',
          ],
          exclude: [
            'packages/*/src/**/*.int.test.ts',
            'packaging/src/**/*.int.test.ts',
            '**/node_modules/**',
            '**/dist/**',
          ],
          environment: 'node',
          // Property tests draw hundreds of clusters and take 1-3 s alone; on a loaded 2-core
          // machine two of them took just over vitest's default 5 s and were cut off (CI on
          // 2026-12-04). This is the limit before a test counts as hung, not a measurement.
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['packages/*/src/**/*.int.test.ts', 'packaging/src/**/*.int.test.ts'],
          environment: 'node',
          pool: 'forks',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e.test.ts'],
          environment: 'node',
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
