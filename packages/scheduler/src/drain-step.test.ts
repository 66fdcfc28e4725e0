import { DEFAULT_ROLLOUT_POLICY } from '@fleet/unit';
import { describe, expect, it } from 'vitest';
import { stepDrain, type DrainInput, type DrainUnit } from './drain-step.js';

const policy = {
  ...DEFAULT_ROLLOUT_POLICY,
  maxParallel: 1,
  minHealthySec: 5,
  healthyDeadlineSec: 60,
};
const web = (i: number): DrainUnit => ({
  name: `web@${i}.service`,
  group: 'web@.service',
  global: false,
  desiredState: 'launched',
  policy,
});
const units = new Map<string, DrainUnit>(
  [web(1), web(2), web(3), { ...web(9), name: 'g.service', group: 'g.service', global: true }].map(
    (u) => [u.name, u],
  ),
);
const base: DrainInput = {
  draining: new Set(['m1']),
  units,
  assignments: [
    { unit: 'web@1.service', machineId: 'm1' },
    { unit: 'web@2.service', machineId: 'm1' },
    { unit: 'web@3.service', machineId: 'm2' },
    { unit: 'g.service', machineId: 'm1' },
  ],
  states: [],
  moves: new Map(),
  now: 1_000_000,
};

describe('stepDrain', () => {
  it('moves one copy of a group at a time (UpdateMaxParallel=1), never a global unit', () => {
    const s = stepDrain(base);
    expect([...s.moves.keys()]).toEqual(['web@1.service']);
    expect(s.drained).toEqual([]);
  });

  it('moves the next copy once the moved one was healthy elsewhere for UpdateMinHealthySec', () => {
    const first = stepDrain(base);
    const moved = {
      ...base,
      assignments: [
        { unit: 'web@1.service', machineId: 'm3' },
        ...base.assignments.filter((a) => a.unit !== 'web@1.service'),
      ],
      states: [{ unit: 'web@1.service', machineId: 'm3', activeState: 'active' }],
      moves: first.moves,
    };
    const s1 = stepDrain({ ...moved, now: base.now + 1000 });
    expect([...s1.moves.keys()]).toEqual(['web@1.service']);
    const s2 = stepDrain({ ...moved, moves: s1.moves, now: base.now + 7000 });
    // web@1 has been healthy for 6 s >= 5 s: done; web@2 goes next.
    expect([...s2.moves.keys()]).toEqual(['web@2.service']);
  });

  it('counts a failing copy until its deadline, then gives up on it', () => {
    const first = stepDrain(base);
    const failing = {
      ...base,
      assignments: [
        { unit: 'web@1.service', machineId: 'm3' },
        ...base.assignments.filter((a) => a.unit !== 'web@1.service'),
      ],
      states: [{ unit: 'web@1.service', machineId: 'm3', activeState: 'failed' }],
      moves: first.moves,
    };
    expect([...stepDrain({ ...failing, now: base.now + 59_000 }).moves.keys()]).toEqual([
      'web@1.service',
    ]);
    expect([...stepDrain({ ...failing, now: base.now + 60_000 }).moves.keys()]).toEqual([
      'web@2.service',
    ]);
  });

  it('allows UpdateMaxParallel copies at once, and says drained once only globals are left', () => {
    const two = new Map(
      [...units].map(([n, u]) => [n, { ...u, policy: { ...policy, maxParallel: 2 } }]),
    );
    expect([...stepDrain({ ...base, units: two }).moves.keys()].sort()).toEqual([
      'web@1.service',
      'web@2.service',
    ]);
    const left = base.assignments.filter((a) => a.unit === 'g.service' || a.machineId !== 'm1');
    expect(stepDrain({ ...base, assignments: left }).drained).toEqual(['m1']);
  });
});
