// What the client keeps of the /fleet/x/rollouts answers.
import { describe, expect, it } from 'vitest';
import {
  rolloutListSchema,
  rolloutRecordsSchema,
  rolloutSchema,
  rolloutUndoSchema,
} from './rollout-schemas.js';

const H1 = '1'.repeat(40);
const H2 = '2'.repeat(40);
const record = {
  group: 'web@.service',
  id: 3,
  state: 'failed',
  fromHash: H1,
  toHash: H2,
  units: ['web@1.service'],
  policy: { maxParallel: 2, minHealthySec: 10, healthyDeadlineSec: 300, autoRevert: false },
  copies: [
    { unit: 'web@1.service', machineId: 'm1', phase: 'failed', replacedAt: 'T1' },
    { unit: 'web@2.service', machineId: 'm2', phase: 'pending' },
  ],
  reason: 'web@1.service on m1: failed',
  startedAt: 'T0',
  updatedAt: 'T1',
  revision: '1234',
};

describe('rollout schemas', () => {
  it('keep every documented field and drop unknown ones', () => {
    expect(rolloutSchema.parse({ ...record, extra: true })).toEqual(record);
    expect(rolloutListSchema.parse({ rollouts: [record] })).toEqual({ rollouts: [record] });
    expect(rolloutRecordsSchema.parse({ current: null, history: [record] })).toEqual({
      current: null,
      history: [record],
    });
    const undo = { group: 'web@.service', fromHash: H2, toHash: H1, units: ['web@1.service'] };
    expect(rolloutUndoSchema.parse(undo)).toEqual(undo);
  });

  it('refuse a wrong state, phase or policy with the field named', () => {
    expect(() => rolloutSchema.parse({ ...record, state: 'done' })).toThrow(
      /^state: expected running/,
    );
    const badCopy = { ...record, copies: [{ unit: 'a', machineId: 'm', phase: 'x' }] };
    expect(() => rolloutSchema.parse(badCopy)).toThrow(/^copies\[0\]\.phase: expected pending/);
    const badPolicy = { ...record, policy: { ...record.policy, autoRevert: 'yes' } };
    expect(() => rolloutSchema.parse(badPolicy)).toThrow(
      'policy.autoRevert: expected a boolean, got string',
    );
    expect(() => rolloutRecordsSchema.parse({ current: 1, history: [] })).toThrow(
      'current: expected an object',
    );
  });
});
