// H1: one unit with the most and longest Conflicts= globs the API accepts must cost a planning
// pass little, measured deterministically in glob matching steps (GlobCache.work), not time.
import { describe, expect, it } from 'vitest';
import { GlobCache } from './globs.js';
import { planCluster } from './plan.js';
import { apply, cluster, worstUnit } from './testing/index.js';
import type { Snapshot } from './types.js';

const GLOBS = 64;
const UNITS = 200;
const MACHINES = 20;

function steps(s: Snapshot, globs = new GlobCache()): number {
  const before = globs.work.steps;
  planCluster(s, { globs });
  return globs.work.steps - before;
}

describe('planCluster with the costliest unit the API accepts', () => {
  const base = cluster(UNITS, MACHINES);
  const worst = worstUnit();
  const withWorst: Snapshot = { ...base, units: [...base.units, worst] };

  it('is such a unit: 64 globs of 256 characters, each passing every quick check', () => {
    expect(worst.requirements.conflicts).toHaveLength(GLOBS);
    for (const g of worst.requirements.conflicts) expect(g).toHaveLength(256);
  });

  it('placing everything costs at most a few steps per (glob, unit name) pair, whatever the glob length', () => {
    const extra = steps(withWorst) - steps(base);
    // The general matcher reads glob × name (256 × ~14 = ~3,600 steps a pair, ~46 million here);
    // compiled globs read each name about once.
    expect(extra).toBeLessThanOrEqual(GLOBS * (UNITS + 1) * 16);
    const plan = planCluster(withWorst);
    expect(plan.waiting).toEqual([]);
  });

  // Placed first, in the middle, or last (after every other unit, the order of the bench).
  it.each(['aaa.service', 'mmm.service', 'worst.service'])(
    'placing %s from nothing weighs its Conflicts globs against the units of the machines it is checked on, not the cluster',
    (name) => {
      const unit = worstUnit(name);
      const all: Snapshot = { ...base, units: [...base.units, unit] };
      const plan = planCluster(all);
      expect(plan.waiting).toEqual([]);
      const after = apply(all, plan);
      const home = after.find((a) => a.unit === name)?.machineId;
      const neighbours = after.filter((a) => a.machineId === home).length - 1;
      const extra = steps(all) - steps(base);
      // A fresh cache: each (glob, neighbour) pair is matched once in full (a step per name
      // character: names here are at most 16 long), both ways; each glob's mask of a character
      // costs a search of its class (at most 8 steps; names here use under 32 characters).
      // Indexing every glob at first sight read every unit in the cluster: ~8x this.
      expect(extra).toBeLessThanOrEqual(GLOBS * (2 * (neighbours + 1) * 16 + 32 * 8));
    },
  );

  it.each(['Conflicts', 'Replaces'] as const)(
    "with the engine's cache kept, a later pass costs a step or two per %s glob and neighbour",
    (key) => {
      const unit = worstUnit('worst.service', key);
      const all: Snapshot = { ...base, units: [...base.units, unit] };
      const placedBase = { ...base, assignments: apply(base, planCluster(base)) };
      const placed = { ...all, assignments: apply(all, planCluster(all)) };
      const home = placed.assignments.find((a) => a.unit === unit.name)?.machineId;
      const neighbours = placed.assignments.filter((a) => a.machineId === home).length - 1;
      expect(neighbours).toBeGreaterThan(0);
      const keptBase = new GlobCache();
      const kept = new GlobCache();
      steps(placedBase, keptBase);
      steps(placed, kept);
      for (let pass = 0; pass < 3; pass++) {
        const extra = steps(placed, kept) - steps(placedBase, keptBase);
        // Its globs against the units on its own machine, both ways: not the cluster, not the glob.
        expect(extra).toBeLessThanOrEqual(2 * GLOBS * (neighbours + 1));
      }
    },
  );

  it('gives the same plan with or without a kept cache', () => {
    const kept = new GlobCache();
    const first = planCluster(withWorst, { globs: kept });
    expect(planCluster(withWorst, { globs: kept })).toEqual(first);
    expect(planCluster(withWorst)).toEqual(first);
  });
});
