// .ci/summary.mjs over crafted vitest JSON reports, shaped as vitest 4 writes them for each case
// (checked once against real runs of a file holding it.only, it.skip and it.todo, a throwing
// beforeAll, and `--project e2e` with no e2e file). Runs in the unit project, so in CI.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import config from '../vitest.config.ts';

const root = join(import.meta.dirname, '..');
const MINIMUMS = { unit: 2, integration: 1, e2e: 1 };
// Made when the tests run, not when the file is read (`vitest list` reads it and runs no afterAll).
let dir;
let minimumsFile;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-summary-'));
  minimumsFile = join(dir, 'minimums.json');
  writeFileSync(minimumsFile, JSON.stringify(MINIMUMS));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A vitest JSON report of files, each a path and the status of each of its tests. */
function report(files) {
  const all = files.flatMap((f) => f.tests);
  return {
    numTotalTests: all.length,
    numPassedTests: all.filter((s) => s === 'passed').length,
    numFailedTests: all.filter((s) => s === 'failed').length,
    numPendingTests: all.filter((s) => s === 'skipped' || s === 'pending').length,
    numTodoTests: all.filter((s) => s === 'todo').length,
    success: files.every((f) => f.status !== 'failed'),
    testResults: files.map((f) => ({
      name: join(root, f.name),
      status: f.status ?? (f.tests.includes('failed') ? 'failed' : 'passed'),
      message: '',
      assertionResults: f.tests.map((status, i) => ({
        ancestorTitles: [],
        fullName: `t${i}`,
        title: `t${i}`,
        status,
      })),
    })),
  };
}

const healthy = [
  { name: 'packages/unit/src/a.test.ts', tests: ['passed', 'passed'] },
  { name: 'packages/registry/src/etcd.int.test.ts', tests: ['passed'] },
  { name: 'e2e/fleetd.e2e.test.ts', tests: ['passed'] },
];

let n = 0;
/** Runs summary.mjs as CI does (from the repository root) on a report; its exit code and lines. */
function summary(rep, rc = 0, extra = 0) {
  const file = join(dir, `report-${n++}.json`);
  if (rep !== undefined) writeFileSync(file, JSON.stringify(rep));
  const r = spawnSync(
    process.execPath,
    ['.ci/summary.mjs', file, String(rc), String(extra), minimumsFile],
    { cwd: root, encoding: 'utf8' },
  );
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  return { status: r.status, lines, last: lines.at(-1) };
}

describe('.ci/summary.mjs', () => {
  it('passes a run in which every project ran its minimum and every test ran and passed', () => {
    expect(summary(report(healthy))).toEqual({
      status: 0,
      lines: ['4 passed, 0 failed'],
      last: '4 passed, 0 failed',
    });
  });

  it('fails a stray it.only, refused by allowOnly: false (the test fails, the others are skipped)', () => {
    const only = { name: 'packages/unit/src/b.test.ts', tests: ['failed', 'skipped'] };
    const r = summary(report([...healthy, only]), 1);
    expect(r.status).toBe(1);
    expect(r.lines).toContain('1 test never ran (skipped: 1): packages/unit/src/b.test.ts › t1');
    expect(r.last).toBe('4 passed, 2 failed');
  });

  it('fails an it.only that vitest allowed (exit 0): the tests it left out count as failed', () => {
    const only = { name: 'packages/unit/src/b.test.ts', tests: ['passed', 'skipped', 'skipped'] };
    const r = summary(report([...healthy, only]), 0);
    expect(r.status).toBe(1);
    expect(r.lines[0]).toMatch(/^2 tests never ran \(skipped: 2\): packages\/unit\/src\/b\.test/);
    expect(r.last).toBe('5 passed, 2 failed');
  });

  it('fails it.skip and it.todo, though vitest exits 0, and names them', () => {
    const skip = { name: 'packages/unit/src/c.test.ts', tests: ['passed', 'skipped', 'todo'] };
    const r = summary(report([...healthy, skip]), 0);
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([
      '2 tests never ran (skipped: 1, todo: 1): packages/unit/src/c.test.ts › t1; packages/unit/src/c.test.ts › t2',
      '5 passed, 2 failed',
    ]);
  });

  it('counts every test behind a throwing beforeAll (e2e preflight: not root) as failed', () => {
    // vitest: the file failed, its 3 tests skipped, numFailedTests 0.
    const e2e = { name: 'e2e/faults.e2e.test.ts', tests: ['skipped', 'skipped', 'skipped'] };
    const rep = report([...healthy.slice(0, 2), { ...e2e, status: 'failed' }]);
    expect(rep.numFailedTests).toBe(0);
    const r = summary(rep, 1);
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([
      'project e2e ran 0 tests, fewer than its minimum of 1',
      expect.stringMatching(/^3 tests never ran \(skipped: 3\): e2e\/faults\.e2e\.test\.ts › t0;/),
      '3 passed, 4 failed',
    ]);
  });

  it('fails a project that matched no file (vitest exits 0), or ran fewer than its minimum', () => {
    const r = summary(report(healthy.slice(0, 2)), 0);
    expect(r).toMatchObject({ status: 1, last: '3 passed, 1 failed' });
    expect(r.lines).toContain('project e2e ran 0 tests, fewer than its minimum of 1');
    const fewer = summary(report([{ ...healthy[0], tests: ['passed'] }, ...healthy.slice(1)]));
    expect(fewer).toMatchObject({ status: 1, last: '3 passed, 1 failed' });
    expect(fewer.lines).toContain('project unit ran 1 test, fewer than its minimum of 2');
  });

  it('fails a test file that did not load, a failed build (no report), and stray processes', () => {
    const broken = { name: 'packages/unit/src/d.test.ts', tests: [], status: 'failed' };
    expect(summary(report([...healthy, broken]), 1)).toMatchObject({
      status: 1,
      last: '4 passed, 1 failed',
    });
    expect(summary(undefined, 1)).toMatchObject({ status: 1, last: '0 passed, 1 failed' });
    expect(summary(report(healthy), 0, 1)).toMatchObject({ status: 1, last: '4 passed, 1 failed' });
    expect(summary(report(healthy), 1)).toMatchObject({ status: 1, last: '4 passed, 1 failed' });
  });

  it('states a minimum for each of the three projects', () => {
    const committed = JSON.parse(readFileSync(join(root, '.ci/minimums.json'), 'utf8'));
    for (const p of ['unit', 'integration', 'e2e']) expect(committed[p]).toBeGreaterThan(0);
  });
});

describe('what keeps a test from being left out', () => {
  it('vitest refuses .only everywhere, not only with CI=true', () => {
    expect(config.test?.allowOnly).toBe(false);
  });

  it('.ci/run exports CI=true', () => {
    expect(readFileSync(join(root, '.ci/run'), 'utf8')).toMatch(/^export CI=true$/m);
  });

  it('lint refuses .only, .skip and .todo in a test file', async () => {
    const eslint = new ESLint({ cwd: root });
    const source = [
      "import { describe, it, test } from 'vitest';",
      "it.only('a', () => undefined);",
      "test.skip('b', () => undefined);",
      "it.todo('c');",
      "describe.skipIf(true)('d', () => undefined);",
      "it.concurrent.only('e', () => undefined);",
      "it('f', () => undefined);",
      '',
    ].join('\n');
    const [result] = await eslint.lintText(source, {
      filePath: join(root, '.ci/summary.test.mjs'),
    });
    const lines = (result?.messages ?? [])
      .filter((m) => m.ruleId === 'no-restricted-syntax')
      .map((m) => m.line);
    expect(lines).toEqual([2, 3, 4, 5, 6]);
  }, 30_000);
});
