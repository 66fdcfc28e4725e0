// npm run fuzz [-- --runs N] [--seed S] [--skip-known-bugs | --known-bug NAME...]
//              [--max-glob-length L] [--max-globs G] [--stay-ms MS]
// The pipeline fuzzer, long run: 10,000 cases by default (FLEET_FUZZ_RUNS, FLEET_FUZZ_SEED also
// work), every edge on unless --skip-known-bugs. Prints cases/s and, as information, the slowest
// scheduling pass of a case's units (plus 200 plain units) against the 200 plain units alone.
// Exits 1 with the shrunk counterexample and its seed when a property fails.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { planCluster, type Snapshot } from '@fleet/scheduler';
import { fleetRequirements } from '@fleet/unit';
import { CI_SIZES } from '../src/testing/fuzz/generators.js';
import { KNOWN_BUGS_UNTIL_UNITS_MERGE, type KnownBug } from '../src/testing/fuzz/known-bugs.js';
import type { FinalState } from '../src/testing/fuzz/pipeline.js';
import { pipelineProperty } from '../src/testing/fuzz/property.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string' },
    seed: { type: 'string' },
    'skip-known-bugs': { type: 'boolean', default: false },
    'known-bug': { type: 'string', multiple: true },
    'max-glob-length': { type: 'string' },
    'max-globs': { type: 'string' },
    'stay-ms': { type: 'string' },
  },
});

function int(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n)) {
    console.error(`${name} must be an integer, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return n;
}

const runs = int('--runs', values.runs ?? positionals[0] ?? process.env['FLEET_FUZZ_RUNS'], 10_000);
const seed = int(
  '--seed',
  values.seed ?? process.env['FLEET_FUZZ_SEED'],
  Date.now() ^ (Math.random() * 0x7fffffff),
);
const only = values['known-bug'] ?? [];
for (const name of only) {
  if (!(KNOWN_BUGS_UNTIL_UNITS_MERGE as ReadonlySet<string>).has(name)) {
    console.error(
      `unknown --known-bug ${JSON.stringify(name)}: one of ${[...KNOWN_BUGS_UNTIL_UNITS_MERGE].join(', ')}`,
    );
    process.exit(2);
  }
}
// Every edge by default; --skip-known-bugs leaves all known bugs out, --known-bug all but these.
const skip: ReadonlySet<KnownBug> =
  only.length > 0
    ? new Set([...KNOWN_BUGS_UNTIL_UNITS_MERGE].filter((b) => !only.includes(b)))
    : values['skip-known-bugs']
      ? KNOWN_BUGS_UNTIL_UNITS_MERGE
      : new Set();
const gen = {
  skip,
  maxGlobLength: int('--max-glob-length', values['max-glob-length'], 256),
  maxGlobs: int('--max-globs', values['max-globs'], CI_SIZES.maxGlobs * 2),
};
const stayMs = int('--stay-ms', values['stay-ms'], 120_000);

// ---- scheduling pass time, as information (never a pass/fail criterion) ----
const BASELINE_UNITS = 200;
const slowest = { withFuzz: 0, baseline: 0, fuzzCase: -1 };
let caseNo = 0;

function baselineUnits(): Snapshot['units'] {
  return Array.from({ length: BASELINE_UNITS }, (_, i) => {
    const name = `plain-${i}.service`;
    const options = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }];
    return {
      name,
      hash: `h${i}`,
      desiredState: 'launched',
      requirements: fleetRequirements(name, options),
    };
  });
}
const plain = baselineUnits();

function timePlan(snapshot: Snapshot): number {
  const t = performance.now();
  planCluster(snapshot);
  return performance.now() - t;
}

/** Times one scheduling pass with and without the case's units, on the case's machines. */
function observe(final: FinalState): void {
  const machines = final.machines.map((m) => ({ id: m.id, metadata: m.metadata }));
  const fuzzed: Snapshot['units'] = final.units.map((u) => ({
    name: u.name,
    hash: u.hash,
    desiredState: u.desiredState,
    requirements: fleetRequirements(u.name, u.options),
  }));
  timePlan({ units: plain, machines, assignments: [] }); // warm up
  const baseline = timePlan({ units: plain, machines, assignments: [] });
  const withFuzz = timePlan({ units: [...plain, ...fuzzed], machines, assignments: [] });
  if (withFuzz > slowest.withFuzz) {
    slowest.withFuzz = withFuzz;
    slowest.baseline = baseline;
    slowest.fuzzCase = caseNo;
  }
}

// ---- the run ----
const statuses = new Map<number, number>();
let requests = 0;
let placed = 0;
const started = performance.now();
let lastReport = started;

console.log(
  `pipeline fuzz: ${runs} cases, seed ${seed}, ` +
    `known bugs ${gen.skip.size === 0 ? 'included' : `skipped (${[...gen.skip].join(', ')})`}, ` +
    `globs ≤ ${gen.maxGlobs} × ${gen.maxGlobLength} chars, stay-put ${stayMs / 1000} s`,
);
const details = await fc.check(
  pipelineProperty(gen, { stayMs, observe }, (s) => {
    caseNo++;
    requests += s.requests;
    placed += s.placedUnits;
    for (const [status, n] of s.statuses) statuses.set(status, (statuses.get(status) ?? 0) + n);
    const now = performance.now();
    if (now - lastReport > 10_000) {
      lastReport = now;
      console.log(`  ${caseNo} cases, ${(caseNo / ((now - started) / 1000)).toFixed(1)} cases/s`);
    }
  }),
  { numRuns: runs, seed },
);
const seconds = (performance.now() - started) / 1000;
const byStatus = [...statuses]
  .sort(([a], [b]) => a - b)
  .map(([s, n]) => `${s}×${n}`)
  .join(' ');

console.log(
  `cases run: ${details.numRuns} (+${details.numShrinks} shrinks) in ${seconds.toFixed(1)} s`,
);
console.log(`cases/s: ${(caseNo / seconds).toFixed(1)} (passing cases only)`);
console.log(`requests: ${requests} (${byStatus}); units placed at the end: ${placed}`);
console.log(
  `slowest scheduling pass (information, wall clock): ${slowest.withFuzz.toFixed(2)} ms for case ` +
    `${slowest.fuzzCase}'s units + ${BASELINE_UNITS} plain units; ${slowest.baseline.toFixed(2)} ms for ` +
    `the ${BASELINE_UNITS} plain units alone on the same machines`,
);
if (details.failed) {
  console.log(
    `\nCOUNTEREXAMPLE (seed ${details.seed}, path ${details.counterexamplePath ?? '?'}):`,
  );
  console.log(JSON.stringify(details.counterexample?.[0], null, 1));
  const err = details.errorInstance;
  console.log(`\n${err instanceof Error ? err.message : String(err)}`);
  const flags = values['skip-known-bugs']
    ? ' --skip-known-bugs'
    : only.map((b) => ` --known-bug ${b}`).join('');
  console.log(`\nreproduce: npm run fuzz -- --runs ${runs} --seed ${details.seed}${flags}`);
  process.exit(1);
}
console.log('no counterexample');
