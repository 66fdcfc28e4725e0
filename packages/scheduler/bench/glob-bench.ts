// What the costliest unit the API accepts (64 Conflicts= or 8 Replaces= globs of 256 characters,
// each passing every quick check: see src/testing/globs.ts) costs a planning pass of 200 units on
// 20 machines. Prints medians of repeated passes with and without it, their ratio (target: at most
// 2x), and the deterministic glob matching steps (GlobCache.work) of the same passes.
// Not a test: figures only. Run with `npm run bench:glob`.
import { GlobCache } from '../src/globs.js';
import { planCluster } from '../src/plan.js';
import { apply, cluster, worstUnit } from '../src/testing/index.js';
import type { Snapshot } from '../src/types.js';
import { MAX_REPLACES_ENTRIES } from '@fleet/unit';

const RUNS = 21;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function ms(f: () => void): number {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

interface Figures {
  /** Placing everything from nothing, with a fresh glob cache (an engine's first pass). */
  place: number;
  /** A pass over the placed cluster with the engine's glob cache kept from earlier passes. */
  steady: number;
  /** A pass over the placed cluster with a fresh glob cache (a new leader's first pass). */
  newLeader: number;
  steadySteps: number;
  newLeaderSteps: number;
  placeSteps: number;
}

function measure(s: Snapshot): Figures {
  const place: number[] = [];
  const steady: number[] = [];
  const newLeader: number[] = [];
  let steadySteps = 0;
  let newLeaderSteps = 0;
  let placeSteps = 0;
  for (let r = 0; r < RUNS; r++) {
    let plan = planCluster(s);
    const fresh = new GlobCache();
    place.push(ms(() => (plan = planCluster(s, { globs: fresh }))));
    placeSteps = fresh.work.steps;
    const placed = { ...s, assignments: apply(s, plan) };
    const leader = new GlobCache();
    newLeader.push(ms(() => planCluster(placed, { globs: leader })));
    newLeaderSteps = leader.work.steps;
    const kept = new GlobCache();
    planCluster(placed, { globs: kept });
    const before = kept.work.steps;
    steady.push(ms(() => planCluster(placed, { globs: kept })));
    steadySteps = kept.work.steps - before;
  }
  return {
    place: median(place),
    steady: median(steady),
    newLeader: median(newLeader),
    steadySteps,
    newLeaderSteps,
    placeSteps,
  };
}

const base = cluster(200, 20);
const withUnit = (key: 'Conflicts' | 'Replaces') => ({
  ...base,
  units: [...base.units, worstUnit('worst.service', key)],
});
const conflicts = withUnit('Conflicts');
const replacing = withUnit('Replaces');
measure(conflicts); // warm up the JIT on every path
measure(replacing);
const without = measure(base);
const withWorst = measure(conflicts);
const withReplaces = measure(replacing);

const col = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2)).padStart(12);
console.log(`planCluster, 200 units / 20 machines, node ${process.version}, medians of ${RUNS}`);
const table = (title: string, w: Figures) => {
  console.log(
    `${title.padEnd(34)}${'without'.padStart(12)}${'with worst'.padStart(12)}${'ratio'.padStart(8)}`,
  );
  const row = (label: string, a: number, b: number) =>
    console.log(`${label.padEnd(34)}${col(a)}${col(b)}${`${(b / a).toFixed(2)}x`.padStart(8)}`);
  row('  steady pass, engine cache (ms)', without.steady, w.steady);
  row('  new leader, fresh cache (ms)', without.newLeader, w.newLeader);
  row('  placing from nothing (ms)', without.place, w.place);
  row('  steady pass, glob steps', without.steadySteps, w.steadySteps);
  row('  new leader, glob steps', without.newLeaderSteps, w.newLeaderSteps);
  row('  placing from nothing, glob steps', without.placeSteps, w.placeSteps);
  const worst = Math.max(
    w.steady / without.steady,
    w.newLeader / without.newLeader,
    w.place / without.place,
  );
  console.log(
    `  worst ratio ${worst.toFixed(2)}x: ${worst <= 2 ? 'within' : 'OVER'} the 2x target`,
  );
};
table('64 Conflicts= globs', withWorst);
table(`${MAX_REPLACES_ENTRIES} Replaces= globs`, withReplaces);
