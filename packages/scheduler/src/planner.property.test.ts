import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planCluster } from './plan.js';
import { Planner } from './planner.js';
import { apply, drawnXFleet, machine, unit, FC_SEED, fcParams } from './testing/index.js';
import type { Plan, Snapshot, SnapshotAssignment, SnapshotMachine, SnapshotUnit } from './types.js';

// Units present from the start, and units that appear in later passes; every Conflicts=,
// Replaces= and MachineOf= may name either.
const FIRST = ['a', 'b', 'c', 'd', 'web.1', 'web.2', 'db'].map((n) => `${n}.service`);
const LATER = ['e', 'web.3', 'db2', 'f'].map((n) => `${n}.service`);
const ALL = [...FIRST, ...LATER];
const IDS = ['m0000000aaaa', 'm1111111bbbb', 'm2222222cccc', 'm3333333dddd', 'm4444444eeee'];
type State = 'inactive' | 'loaded' | 'launched';

const arbState = fc.constantFrom<State>('inactive', 'loaded', 'launched', 'launched');

const arbUnit = (name: string) =>
  fc
    .record({
      state: arbState,
      global: fc.double({ min: 0, max: 1, maxExcluded: true }).map((x) => x < 0.15),
      conflicts: fc.subarray(['a.service', 'web.*', 'd*', 'e.service', 'nothing.service']),
      machineOf: fc.option(fc.constantFrom(...ALL), { nil: undefined, freq: 3 }),
      machineId: fc.option(fc.constantFrom(...IDS, IDS[0]?.slice(0, 8) ?? ''), {
        nil: undefined,
        freq: 4,
      }),
      region: fc.option(fc.constantFrom('eu', 'us'), { nil: undefined }),
      replaces: fc.option(fc.constantFrom(...ALL, 'web.*'), { nil: undefined, freq: 3 }),
    })
    .map((r) => unit(name, drawnXFleet(name, r), r.state));

/** A first snapshot: some units, machines (a few ghosts or away), stale assignments. */
const arbFirst: fc.Arbitrary<Snapshot> = fc
  .record({
    names: fc.subarray(FIRST, { minLength: 1 }),
    machines: fc.subarray(IDS, { minLength: 1 }),
    regions: fc.array(fc.constantFrom('eu', 'us'), { minLength: 5, maxLength: 5 }),
    presence: fc.array(fc.constantFrom('live', 'live', 'live', 'live', 'ghost', 'away'), {
      minLength: 5,
      maxLength: 5,
    }),
    stale: fc.uniqueArray(
      fc.record({ unit: fc.constantFrom(...FIRST), machineId: fc.constantFrom(...IDS, 'gone0') }),
      { selector: (a) => `${a.unit}@${a.machineId}` },
    ),
  })
  .chain(({ names, machines, regions, presence, stale }) =>
    fc.tuple(...names.map(arbUnit)).map((units): Snapshot => {
      const ms = machines.map((id, i): SnapshotMachine => {
        const m = machine(id, { region: regions[i] ?? 'eu' });
        const p = presence[i];
        if (p === 'ghost') return { ...m, ghost: true };
        return p === 'away' ? { id, metadata: {}, away: true } : m;
      });
      const assignments: SnapshotAssignment[] = stale.map((s) => ({
        ...s,
        hash: 'h-' + s.unit,
        desiredState: 'launched',
      }));
      return { units, machines: ms, assignments };
    }),
  );

/** One later pass: units created (a name not present) or given a new desired state. */
interface Change {
  readonly create: readonly SnapshotUnit[];
  readonly states: readonly (readonly [name: string, state: State])[];
}

const arbChange: fc.Arbitrary<Change> = fc.record({
  create: fc
    .subarray(ALL, { maxLength: 3 })
    .chain((names) => fc.tuple(...names.map(arbUnit)) as fc.Arbitrary<SnapshotUnit[]>),
  states: fc.array(fc.tuple(fc.constantFrom(...ALL), arbState), { maxLength: 3 }),
});

/** The units after `change`: creations of present names and changes of absent ones are skipped. */
function changed(units: readonly SnapshotUnit[], change: Change): SnapshotUnit[] {
  const byName = new Map(units.map((u) => [u.name, u]));
  const out = new Map<string, SnapshotUnit>();
  for (const u of change.create) if (!byName.has(u.name)) out.set(u.name, u);
  for (const [name, desiredState] of change.states) {
    const u = out.get(name) ?? byName.get(name);
    if (u !== undefined) out.set(name, { ...u, desiredState });
  }
  return [...out.values()];
}

/**
 * Runs a first full pass, then each change: the planner's pass over the changed units only is
 * compared with planCluster on the whole cluster. Returns how many passes it planned itself.
 */
function check(first: Snapshot, changes: readonly Change[], indexGlobsAfter?: number): number {
  const planner = new Planner(indexGlobsAfter === undefined ? {} : { indexGlobsAfter });
  let s: Snapshot = first;
  let plan: Plan = planner.full(s);
  expect(plan).toEqual(planCluster(s));
  let compared = 0;
  for (const change of changes) {
    planner.committed();
    s = { ...s, assignments: apply(s, plan) };
    const delta = changed(s.units, change);
    const byName = new Map(s.units.map((u) => [u.name, u]));
    for (const u of delta) byName.set(u.name, u);
    s = { ...s, units: [...byName.values()] };
    const full = planCluster(s);
    const mine = planner.changes(s.machines, delta);
    if (mine === undefined) plan = planner.full(s);
    else {
      compared++;
      plan = mine;
    }
    expect(plan).toEqual(full);
  }
  return compared;
}

describe(`Planner properties (fast-check seed ${FC_SEED})`, () => {
  it('plans changed units alone exactly as planCluster plans the whole cluster', () => {
    let passes = 0;
    let compared = 0;
    fc.assert(
      fc.property(
        arbFirst,
        fc.array(arbChange, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(undefined, 0),
        (first, changes, indexGlobsAfter) => {
          passes += changes.length;
          compared += check(first, changes, indexGlobsAfter);
        },
      ),
      fcParams(1500),
    );
    // Not vacuous: most later passes were planned from the changes alone.
    expect(compared).toBeGreaterThan(passes / 2);
  });

  it('plans in full when a plan was not committed, or the machines changed', () => {
    const web = unit('web.service');
    const s: Snapshot = { units: [web], machines: [machine('m1')], assignments: [] };
    const planner = new Planner();
    planner.full(s);
    // Not committed: the planner cannot know what was written.
    expect(planner.changes(s.machines, [unit('db.service')])).toBeUndefined();
    planner.full(s);
    planner.committed();
    expect(planner.ready).toBe(true);
    expect(planner.changes([machine('m1', { region: 'eu' })], [unit('db.service')])).toBe(
      undefined,
    );
    planner.full(s);
    planner.committed();
    // A unit made inactive is a removal: only a full pass plans it.
    expect(planner.changes(s.machines, [{ ...web, desiredState: 'inactive' }])).toBeUndefined();
  });
});
