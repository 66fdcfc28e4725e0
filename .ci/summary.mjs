// Prints the closing line CI reads: "N passed, N failed".
// Arguments: vitest's JSON report, the exit code of `npm test`, and a count of extra failures
// found outside vitest (stray processes). A failed build or lint step writes no report: it counts
// as one failure so that the line never claims success.
import { readFileSync } from 'node:fs';

const [file, rcArg = '0', extraArg = '0'] = process.argv.slice(2);
const rc = Number(rcArg);
const extra = Number(extraArg);
let passed = 0;
let failed;
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch {
  report = undefined;
}
if (report) {
  passed = report.numPassedTests ?? 0;
  failed = (report.numFailedTests ?? 0) + (report.numRuntimeErrors ?? 0);
  // A test file that fails to load counts as one failure even when no test in it ran.
  for (const suite of report.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) failed += 1;
  }
  if (rc !== 0 && failed === 0) failed = 1;
  if (report.numTotalTests === 0) failed = Math.max(failed, 1);
} else {
  failed = 1;
}
failed += extra;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
