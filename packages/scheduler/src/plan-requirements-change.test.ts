import { describe, expect, it } from 'vitest';
import { planCluster } from './plan.js';
import { apply, machine, placement, unit } from './testing/index.js';
import type { Snapshot, SnapshotAssignment, SnapshotUnit, Task } from './types.js';

// A unit whose [X-Fleet] requirements change may be unscheduled and placed again on the same
// machine in one pass. The plan must then hold one task for that assignment, never two: the
// registry refuses a batch naming one assignment twice, and every later pass would fail alike.

const M1 = '1111111111111111111111111111111a';
const M2 = '2222222222222222222222222222222b';
const M3 = '3333333333333333333333333333333c';
const three = [machine(M1), machine(M2), machine(M3)];

const at = (u: SnapshotUnit, machineId: string): SnapshotAssignment => ({
  unit: u.name,
  machineId,
  hash: u.hash,
  desiredState: u.desiredState,
});

const keys = (tasks: readonly Task[]) => tasks.map((t) => `${t.unit}@${t.machineId}`);

/** Plans, checks one task per assignment, applies, and checks that planning again is quiet. */
function settle(s: Snapshot) {
  const plan = planCluster(s);
  expect(new Set(keys(plan.tasks)).size).toBe(plan.tasks.length);
  const after = apply(s, plan);
  expect(planCluster({ ...s, assignments: after }).tasks).toEqual([]);
  return { plan, after, where: placement(after) };
}

describe('planCluster: requirements changed on a scheduled unit', () => {
  it('updates a unit given MachineOf= a new peer that lands on its machine (no unschedule + schedule)', () => {
    const before = unit('a.service');
    const a = unit('a.service', ['MachineOf=b.service'], 'launched', 'h-a-v2');
    const b = unit('b.service');
    const { plan, after, where } = settle({
      units: [a, b],
      machines: three,
      assignments: [at(before, M1)],
    });
    expect(plan.tasks).toEqual([
      {
        kind: 'update',
        unit: 'a.service',
        machineId: M1,
        hash: 'h-a-v2',
        desiredState: 'launched',
        reason: 'unit content changed',
      },
      {
        kind: 'schedule',
        unit: 'b.service',
        machineId: M1,
        hash: b.hash,
        desiredState: 'launched',
        reason: 'target state launched and unit not scheduled',
      },
    ]);
    expect(where).toEqual({ 'a.service': [M1], 'b.service': [M1] });
    expect(after.find((x) => x.unit === 'a.service')?.hash).toBe('h-a-v2');
  });

  it('plans nothing for the follower when only its peer is new and its contents did not change', () => {
    const a = unit('a.service', ['MachineOf=b.service']);
    const b = unit('b.service');
    const { plan } = settle({ units: [a, b], machines: three, assignments: [at(a, M1)] });
    expect(keys(plan.tasks)).toEqual([`b.service@${M1}`]);
    expect(plan.tasks[0]?.kind).toBe('schedule');
  });

  it('updates where it stays, and unschedules elsewhere, a global unit made non-global with a Conflicts= glob', () => {
    const db = unit('db.service');
    const before = unit('g.service', ['Global=true']);
    const g = unit('g.service', ['Conflicts=d*'], 'launched', 'h-g-v2');
    const { plan, where } = settle({
      units: [db, g],
      machines: three,
      assignments: [at(db, M1), at(before, M1), at(before, M2), at(before, M3)],
    });
    expect(plan.tasks).toEqual([
      {
        kind: 'unschedule',
        unit: 'g.service',
        machineId: M3,
        reason: 'unit is scheduled to more than one machine',
      },
      {
        kind: 'unschedule',
        unit: 'g.service',
        machineId: M1,
        reason: `conflicts with db.service on ${M1}`,
      },
      {
        kind: 'update',
        unit: 'g.service',
        machineId: M2,
        hash: 'h-g-v2',
        desiredState: 'launched',
        reason: 'unit content changed',
      },
    ]);
    expect(where).toEqual({ 'db.service': [M1], 'g.service': [M2] });
  });

  it('updates the target state of a unit it keeps after all', () => {
    const before = unit('g.service', ['Global=true']);
    const g = unit('g.service', ['Conflicts=d*'], 'loaded');
    const db = unit('db.service');
    const { plan } = settle({
      units: [db, g],
      machines: three.slice(0, 2),
      assignments: [at(db, M1), at(before, M1), at(before, M2)],
    });
    expect(plan.tasks.filter((t) => t.unit === 'g.service' && t.machineId === M2)).toEqual([
      {
        kind: 'update',
        unit: 'g.service',
        machineId: M2,
        hash: g.hash,
        desiredState: 'loaded',
        reason: 'target state changed from launched to loaded',
      },
    ]);
  });
});
