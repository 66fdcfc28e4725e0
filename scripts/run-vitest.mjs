// `npm test`'s last step: every vitest project, in two vitest processes at once.
//
// Why two: vitest runs a project whose files must run one at a time (e2e, `fileParallelism:
// false`) as its own group, after every other group has finished. The e2e files are about three
// quarters of the suite's time and spend most of it waiting on booting machines, so they started
// only after ~6 minutes of unit and integration tests they could have run beside. Here one process
// runs the e2e files (one at a time, as before) while the other runs unit and integration; the
// two JSON reports are merged into test-results/vitest.json, which CI's summary reads.
//
// With arguments (`npm test -- --project unit`, `scripts/test FILE`) it is one plain `vitest run`
// with those arguments. FLEET_TEST_SERIAL=1 runs everything in one process, as before.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const root = join(import.meta.dirname, '..');
const vitestBin = join(
  dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
  'vitest.mjs',
);
const outDir = join(root, 'test-results');
const merged = join(outDir, 'vitest.json');

const children = new Set();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
  });
}

/** Runs vitest with `args`; resolves to its exit code (1 when killed by a signal). */
function vitest(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [vitestBin, 'run', ...args], {
      cwd: root,
      stdio: 'inherit',
    });
    children.add(child);
    child.on('error', (err) => {
      console.error(`cannot start vitest: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (code) => {
      children.delete(child);
      resolve(code ?? 1);
    });
  });
}

function readReport(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

const COUNTS = [
  'numTotalTestSuites',
  'numPassedTestSuites',
  'numFailedTestSuites',
  'numPendingTestSuites',
  'numTotalTests',
  'numPassedTests',
  'numFailedTests',
  'numPendingTests',
  'numTodoTests',
];

/** One report from several: counts added, test files concatenated. A missing report is an error. */
export function mergeReports(reports) {
  const out = { numRuntimeErrors: 0, success: true, testResults: [], startTime: Infinity };
  for (const key of COUNTS) out[key] = 0;
  for (const report of reports) {
    if (report === undefined) {
      out.numRuntimeErrors += 1;
      out.success = false;
      continue;
    }
    for (const key of COUNTS) out[key] += report[key] ?? 0;
    out.numRuntimeErrors += report.numRuntimeErrors ?? 0;
    out.success &&= report.success !== false;
    out.startTime = Math.min(out.startTime, report.startTime ?? Infinity);
    out.testResults.push(...(report.testResults ?? []));
  }
  if (out.startTime === Infinity) delete out.startTime;
  return out;
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length > 0 || process.env.FLEET_TEST_SERIAL === '1') return vitest(args);
  mkdirSync(outDir, { recursive: true });
  rmSync(merged, { force: true });
  const parts = [
    { file: join(outDir, 'vitest-e2e.json'), args: ['--project', 'e2e'] },
    {
      file: join(outDir, 'vitest-unit-integration.json'),
      args: ['--project', 'unit', '--project', 'integration'],
    },
  ];
  for (const p of parts) rmSync(p.file, { force: true });
  const codes = await Promise.all(
    parts.map((p) => vitest([...p.args, `--outputFile.json=${p.file}`])),
  );
  const reports = parts.map((p) => readReport(p.file));
  reports.forEach((r, i) => {
    if (r === undefined) console.error(`vitest ${parts[i].args.join(' ')} wrote no report`);
  });
  writeFileSync(merged, JSON.stringify(mergeReports(reports)));
  return codes.some((c) => c !== 0) ? 1 : 0;
}

if (process.argv[1] === import.meta.filename) process.exitCode = await main();
