import { describe, expect, it } from 'vitest';
import { mergeReports } from './run-vitest.mjs';

const report = (passed, failed, files) => ({
  numTotalTests: passed + failed,
  numPassedTests: passed,
  numFailedTests: failed,
  numRuntimeErrors: 0,
  success: failed === 0,
  startTime: 100 + passed,
  testResults: files.map((name) => ({ name, status: 'passed', assertionResults: [] })),
});

describe('merging the reports of the two vitest processes', () => {
  it('adds the counts and keeps every test file', () => {
    const m = mergeReports([report(3, 1, ['a.e2e.test.ts']), report(5, 0, ['b.test.ts'])]);
    expect(m).toMatchObject({
      numPassedTests: 8,
      numFailedTests: 1,
      numTotalTests: 9,
      numRuntimeErrors: 0,
      success: false,
      startTime: 103,
    });
    expect(m.testResults.map((t) => t.name)).toEqual(['a.e2e.test.ts', 'b.test.ts']);
  });

  it('counts a process that wrote no report as an error', () => {
    const m = mergeReports([undefined, report(5, 0, ['b.test.ts'])]);
    expect(m.numRuntimeErrors).toBe(1);
    expect(m.success).toBe(false);
    expect(m.numPassedTests).toBe(5);
  });
});
