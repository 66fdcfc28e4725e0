// H1: when the Conflicts= globs are indexed (at once, as planCluster did before; after some scans,
// as it does now; never) changes how fast a plan comes, never the plan: tasks, reasons and
// waiting units are compared exactly on random snapshots, placing from nothing and from a
// partly stale assignment table, with and without an engine's glob cache kept across passes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GlobCache } from './globs.js';
import { planCluster } from './plan.js';
import { apply, machine, unit, FC_SEED, fcParams } from './testing/index.js';
import type { Snapshot, SnapshotAssignment, SnapshotUnit } from './types.js';

const NAMES = [
  ...['1', '2', '3', '4', '5', '6'].map((i) => `web@${i}.service`),
  ...['1', '2', '3'].map((i) => `db-${i}.service`),
  'a.service',
  'b.service',
  'cache.service',
];
const GLOBS = ['web@*.service', 'db-?.service', '*[13].service', '[a-c]*', 'nothing.service'];
const IDS = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'].map((m) => m.padEnd(12, 'x'));

const arbUnit = (name: string): fc.Arbitrary<SnapshotUnit> =>
  fc
    .record({
      state: fc.constantFrom('inactive', 'launched', 'launched', 'launched'),
      kind: fc.constantFrom('plain', 'plain', 'global', 'machineOf', 'replaces'),
      conflicts: fc.subarray(GLOBS),
      peer: fc.constantFrom(...NAMES),
      replaces: fc.constantFrom(...GLOBS),
      region: fc.option(fc.constantFrom('eu', 'us'), { nil: undefined }),
    })
    .map((r) => {
      const x: string[] = [];
      if (r.kind === 'global') x.push('Global=true');
      if (r.kind === 'machineOf' && r.peer !== name) x.push(`MachineOf=${r.peer}`);
      if (r.kind === 'replaces') x.push(`Replaces=${r.replaces}`);
      for (const c of r.conflicts) x.push(`Conflicts=${c}`);
      if (r.region !== undefined) x.push(`MachineMetadata=region=${r.region}`);
      return unit(name, x, r.state as 'inactive' | 'launched');
    });

const arbSnapshot: fc.Arbitrary<Snapshot> = fc
  .record({
    names: fc.subarray(NAMES, { minLength: 1 }),
    machines: fc.subarray(IDS, { minLength: 1 }),
    ghost: fc.option(fc.constantFrom(...IDS), { nil: undefined }),
    stale: fc.uniqueArray(
      fc.record({ unit: fc.constantFrom(...NAMES), machineId: fc.constantFrom(...IDS) }),
      { selector: (a) => `${a.unit}@${a.machineId}`, maxLength: 12 },
    ),
  })
  .chain(({ names, machines, ghost, stale }) =>
    fc.tuple(...names.map(arbUnit)).map((units) => ({
      units,
      machines: machines.map((id, i) => ({
        ...machine(id, { region: i % 2 === 0 ? 'eu' : 'us' }),
        ...(id === ghost ? { ghost: true } : {}),
      })),
      assignments: stale.map((a): SnapshotAssignment => ({
        ...a,
        hash: `h-${a.unit}`,
        desiredState: 'launched',
      })),
    })),
  );

/** The plans of one snapshot under every indexing policy, which must all be the same. */
function plans(s: Snapshot, kept?: GlobCache) {
  const globs = kept === undefined ? {} : { globs: kept };
  return [0, 1, 2, 5, Infinity].map((indexGlobsAfter) =>
    planCluster(s, { ...globs, indexGlobsAfter }),
  );
}

describe(`planCluster: indexing Conflicts globs never changes the plan (fast-check seed ${FC_SEED})`, () => {
  it('gives exactly the same tasks, reasons and waiting units with globs indexed at once, later or never', () => {
    fc.assert(
      fc.property(arbSnapshot, (s) => {
        const reference = planCluster(s, { indexGlobsAfter: 0 }); // as before: index at once
        for (const p of plans(s)) expect(p).toEqual(reference);
        expect(planCluster(s)).toEqual(reference);
        // The next pass, on the cluster as the plan left it, with an engine's cache kept.
        const kept = new GlobCache();
        const next = { ...s, assignments: apply(s, reference) };
        const again = planCluster(next, { globs: kept, indexGlobsAfter: 0 });
        for (const p of plans(next, kept)) expect(p).toEqual(again);
      }),
      fcParams(1500),
    );
  });

  it('says why a unit waits in the same words either way', () => {
    // Every machine refuses web@9 for a different reason; the sentence counts them.
    const s: Snapshot = {
      units: [
        unit('web@1.service', ['Conflicts=web@*.service']),
        unit('web@2.service', ['Conflicts=web@*.service']),
        unit('web@9.service', ['Conflicts=web@*.service', 'MachineMetadata=region=eu']),
      ],
      machines: [machine('m1', { region: 'eu' }), machine('m2', { region: 'eu' }), machine('m3')],
      assignments: [],
    };
    const reason =
      '0/3 machines available: 1 lacks metadata region=eu, 1 runs conflicting unit web@1.service, 1 runs conflicting unit web@2.service';
    for (const p of plans(s)) expect(p.waiting).toEqual([{ unit: 'web@9.service', reason }]);
  });
});
