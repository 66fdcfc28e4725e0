// Prints the closing line CI reads: "N passed, N failed", always last.
//
// Arguments: vitest's JSON report, the exit code of `npm test`, a count of extra failures found
// outside vitest (stray processes), and optionally the minimums file (default: minimums.json
// beside this script). It fails (exit 1) when:
// - any test failed, or a test file failed to load;
// - `npm test` failed although no test did (a failed build or lint writes no report at all);
// - a project ran fewer tests than its minimum: a renamed file or a broken `include` would drop
//   a whole project silently (vitest exits 0 on a project that matches no file);
// - any test never ran: skipped, todo, or left behind by `.only` or a failed beforeAll (vitest
//   reports those as skipped, not failed). Each counts as one failure, and a line before the
//   closing one says how many and which.
import { readFileSync } from 'node:fs';

const [file, rcArg = '0', extraArg = '0', minimumsFile = `${import.meta.dirname}/minimums.json`] =
  process.argv.slice(2);
const rc = Number(rcArg);
const extra = Number(extraArg);

/** The vitest project a test file belongs to, by the name patterns of vitest.config.ts. */
export function projectOf(path) {
  if (/\.e2e\.test\.[cm]?[jt]s$/.test(path)) return 'e2e';
  if (/\.int\.test\.[cm]?[jt]s$/.test(path)) return 'integration';
  return 'unit';
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
const relative = (path) =>
  path.startsWith(`${process.cwd()}/`) ? path.slice(process.cwd().length + 1) : path;

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

const report = readJson(file);
const minimums = readJson(minimumsFile);
const lines = [];
let passed = 0;
let failed = 0;

if (minimums === undefined) {
  lines.push(`cannot read the test minimums from ${minimumsFile}`);
  failed += 1;
}
if (report === undefined) {
  failed += 1;
} else {
  passed = report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrors ?? 0);
  const ran = new Map();
  const never = { skipped: [], todo: [], pending: [] };
  for (const suite of report.testResults ?? []) {
    const tests = suite.assertionResults ?? [];
    // A test file that fails to load counts as one failure even when no test in it ran.
    if (suite.status === 'failed' && tests.length === 0) failed += 1;
    const project = projectOf(suite.name ?? '');
    for (const t of tests) {
      if (t.status === 'passed' || t.status === 'failed') {
        ran.set(project, (ran.get(project) ?? 0) + 1);
      } else {
        const kind = t.status === 'todo' ? 'todo' : t.status === 'pending' ? 'pending' : 'skipped';
        never[kind].push(`${relative(suite.name ?? '')} › ${t.fullName ?? t.title}`);
      }
    }
  }
  for (const [project, min] of Object.entries(minimums ?? {})) {
    if (typeof min !== 'number') continue;
    const n = ran.get(project) ?? 0;
    if (n < min) {
      lines.push(`project ${project} ran ${plural(n, 'test')}, fewer than its minimum of ${min}`);
      failed += 1;
    }
  }
  const missed = [...never.skipped, ...never.todo, ...never.pending];
  if (missed.length > 0) {
    const kinds = Object.entries(never)
      .filter(([, list]) => list.length > 0)
      .map(([kind, list]) => `${kind}: ${list.length}`)
      .join(', ');
    const shown = missed.slice(0, 5).join('; ');
    const more = missed.length > 5 ? `; and ${missed.length - 5} more` : '';
    lines.push(`${plural(missed.length, 'test')} never ran (${kinds}): ${shown}${more}`);
    failed += missed.length;
  }
  if (rc !== 0 && failed === 0) failed = 1;
}
failed += extra;
for (const line of lines) console.log(line);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
