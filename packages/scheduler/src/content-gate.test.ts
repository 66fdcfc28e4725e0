import { describe, expect, it } from 'vitest';
import { gatedHash, type ContentGate } from './content-gate.js';
import { planCluster } from './plan.js';
import { Planner } from './planner.js';
import { stepRollout } from './rollout.js';
import type { RolloutRecord } from './rollout-types.js';
import { apply, machine, unit } from './testing/index.js';
import { Group, NEW, OLD, T0 } from './testing/rollouts.js';
import type { Snapshot, SnapshotAssignment, SnapshotUnit } from './types.js';

const MS = ['m1', 'm2', 'm3'];

/** Three instances of web@.service on m1..m3, carrying OLD; their units now carry NEW. */
function cluster(desiredState: SnapshotUnit['desiredState'] = 'launched'): Snapshot {
  const units = [1, 2, 3].map((i) => unit(`web@${i}.service`, [], desiredState, NEW));
  const assignments: SnapshotAssignment[] = units.map((u, i) => ({
    unit: u.name,
    machineId: MS[i] ?? '',
    hash: OLD,
    desiredState: 'launched',
  }));
  return { units, machines: MS.map((id) => machine(id)), assignments };
}

const updates = (s: Snapshot, gate?: ContentGate) =>
  planCluster(s, gate === undefined ? {} : { gate }).tasks.map((t) =>
    t.kind === 'unschedule' ? t : [t.kind, t.unit, t.hash, t.desiredState, t.reason],
  );

describe('the planner under a content gate', () => {
  it('without a gate updates every copy at once, as before', () => {
    expect(updates(cluster())).toEqual(
      [1, 2, 3].map((i) => ['update', `web@${i}.service`, NEW, 'launched', 'unit content changed']),
    );
  });

  it('updates only the copies the gate lets through, and puts back the ones it reverts', () => {
    const gate: ContentGate = (a, u) =>
      a.machineId === 'm1' ? u.hash : a.machineId === 'm2' ? 'f'.repeat(40) : a.hash;
    expect(updates(cluster(), gate)).toEqual([
      ['update', 'web@1.service', NEW, 'launched', 'unit content changed'],
      ['update', 'web@2.service', 'f'.repeat(40), 'launched', 'unit content rolled back'],
    ]);
  });

  it('changes the target state of a held copy and keeps its contents', () => {
    const hold: ContentGate = (a) => a.hash;
    expect(updates(cluster('loaded'), hold)).toEqual(
      [1, 2, 3].map((i) => [
        'update',
        `web@${i}.service`,
        OLD,
        'loaded',
        'target state changed from launched to loaded',
      ]),
    );
  });

  it('re-plans in a pass over the changed units what a full pass gives, once the gate opens', () => {
    const released = new Set<string>();
    const gate: ContentGate = (a, u) => (released.has(a.machineId) ? u.hash : a.hash);
    const planner = new Planner({ gate });
    const s = cluster();
    expect(planner.full(s).tasks).toEqual([]);
    planner.committed();
    released.add('m2');
    const plan = planner.changes(s.machines, s.units.slice(1, 2));
    expect(plan?.tasks.map((t) => [t.kind, t.unit, t.machineId])).toEqual([
      ['update', 'web@2.service', 'm2'],
    ]);
    expect(plan?.tasks).toEqual(planCluster(s, { gate }).tasks);
    planner.committed();
    // Applied, the cluster needs nothing more under the same gate.
    const after = { ...s, assignments: apply(s, plan ?? { tasks: [], waiting: [] }) };
    expect(planCluster(after, { gate }).tasks).toEqual([]);
  });
});

describe('gatedHash', () => {
  const g = Group.template(3, { maxParallel: 1 });
  const first = stepRollout(g.input(undefined, T0)).record as RolloutRecord;
  const a = (m: string, hash = OLD): SnapshotAssignment => ({
    unit: `web@${m.slice(1)}.service`,
    machineId: m,
    hash,
    desiredState: 'launched',
  });
  const u = (m: string, hash = NEW) => unit(`web@${m.slice(1)}.service`, [], 'launched', hash);

  it('holds a changed copy while its group has no open rollout', () => {
    expect(gatedHash(undefined, a('m1'), u('m1'))).toBe(OLD);
    expect(gatedHash({ ...first, state: 'succeeded' }, a('m1'), u('m1'))).toBe(OLD);
    expect(gatedHash(undefined, a('m1', NEW), u('m1'))).toBe(NEW);
  });

  it('gives the new contents to released copies only', () => {
    expect(first.copies.map((c) => c.phase)).toEqual(['replacing', 'pending', 'pending']);
    expect(gatedHash(first, a('m1'), u('m1'))).toBe(NEW);
    expect(gatedHash(first, a('m2'), u('m2'))).toBe(OLD);
    expect(gatedHash(first, a('m9'), u('m9'))).toBe(OLD); // not a copy of the record (yet)
    // The unit changed again under the rollout: hold until the next rollout.
    expect(gatedHash(first, a('m1'), u('m1', 'c'.repeat(40)))).toBe(OLD);
  });

  it('puts reverted copies back on the old contents, whatever their unit carries', () => {
    const back: RolloutRecord = {
      ...first,
      state: 'rolling-back',
      copies: first.copies.map((c) => (c.machineId === 'm1' ? { ...c, phase: 'reverted' } : c)),
    };
    expect(gatedHash(back, a('m1', NEW), u('m1'))).toBe(OLD);
    expect(gatedHash(back, a('m1', NEW), u('m1', OLD))).toBe(OLD);
    expect(gatedHash(back, a('m2'), u('m2'))).toBe(OLD);
  });
});
