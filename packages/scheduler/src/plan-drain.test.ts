import { describe, expect, it } from 'vitest';
import { planCluster } from './plan.js';
import type { DrainGate } from './plan-drain.js';
import { Planner } from './planner.js';
import { apply, machine, placement, unit } from './testing/index.js';
import type { Snapshot, SnapshotAssignment, SnapshotMachine, SnapshotUnit } from './types.js';

const at = (u: SnapshotUnit, machineId: string): SnapshotAssignment => ({
  unit: u.name,
  machineId,
  hash: u.hash,
  desiredState: u.desiredState,
});
const admin = (id: string, state: 'cordoned' | 'draining'): SnapshotMachine => ({
  ...machine(id),
  admin: state,
});
const all: DrainGate = { released: () => true };

describe('cordoned and draining machines', () => {
  it('places no new unit, global or not, on a cordoned machine; its units stay', () => {
    const a = unit('a.service');
    const b = unit('b.service');
    const g = unit('g.service', ['Global=true']);
    const s: Snapshot = {
      units: [a, b, g],
      machines: [admin('m1', 'cordoned'), machine('m2')],
      assignments: [at(a, 'm1')],
    };
    const plan = planCluster(s, { drain: all });
    expect(placement(apply(s, plan))).toEqual({
      'a.service': ['m1'],
      'b.service': ['m2'],
      'g.service': ['m2'],
    });
  });

  it('says why a unit waits when every machine is cordoned', () => {
    const s: Snapshot = {
      units: [unit('a.service')],
      machines: [admin('m1', 'cordoned')],
      assignments: [],
    };
    expect(planCluster(s).waiting).toEqual([
      { unit: 'a.service', reason: 'no machines are available' },
    ]);
  });

  it('moves released copies off a draining machine, keeps the others and global units', () => {
    const a = unit('a.service');
    const b = unit('b.service');
    const g = unit('g.service', ['Global=true']);
    const s: Snapshot = {
      units: [a, b, g],
      machines: [admin('m1', 'draining'), machine('m2')],
      assignments: [at(a, 'm1'), at(b, 'm1'), at(g, 'm1'), at(g, 'm2')],
    };
    const only: DrainGate = { released: (u, m) => u === 'a.service' && m === 'm1' };
    const plan = planCluster(s, { drain: only });
    expect(plan.tasks).toEqual([
      expect.objectContaining({
        kind: 'unschedule',
        unit: 'a.service',
        machineId: 'm1',
        reason: 'machine m1 is draining',
      }),
      expect.objectContaining({ kind: 'schedule', unit: 'a.service', machineId: 'm2' }),
    ]);
    // Without a drain gate (or a release), a draining machine only takes nothing new.
    expect(planCluster(s).tasks).toEqual([]);
  });

  it('keeps a copy that fits on no other machine, with every machine refusing it', () => {
    const a = unit('a.service', ['MachineMetadata=disk=ssd']);
    const s: Snapshot = {
      units: [a],
      machines: [{ ...admin('m1', 'draining'), metadata: { disk: 'ssd' } }, machine('m2')],
      assignments: [at(a, 'm1')],
    };
    const plan = planCluster(s, { drain: all });
    expect(plan.tasks).toEqual([]);
    expect(plan.waiting).toEqual([
      {
        unit: 'a.service',
        reason: 'drain: no other machine can take it from m1: no machine has metadata disk=ssd',
      },
    ]);
  });

  it('plans in full while a machine drains (the planner never answers from its state)', () => {
    const a = unit('a.service');
    const planner = new Planner({ drain: all });
    const s: Snapshot = {
      units: [a],
      machines: [admin('m1', 'draining'), machine('m2')],
      assignments: [at(a, 'm2')],
    };
    planner.full(s);
    planner.committed();
    expect(planner.changes(s.machines, [unit('b.service')])).toBeUndefined();
  });
});
