import { describe, expect, it } from 'vitest';
import { oneTaskPerAssignment } from './guard.js';
import type { Task } from './types.js';

const sched = (unit: string, machineId: string): Task => ({
  kind: 'schedule',
  unit,
  machineId,
  hash: 'h-' + unit,
  desiredState: 'launched',
  reason: 'target state launched and unit not scheduled',
});
const unsched = (unit: string, machineId: string): Task => ({
  kind: 'unschedule',
  unit,
  machineId,
  reason: 'unit destroyed',
});

describe('oneTaskPerAssignment', () => {
  it('lets a plan that names each assignment once through unchanged', () => {
    const tasks = [unsched('a.service', 'm1'), sched('a.service', 'm2'), sched('b.service', 'm1')];
    expect(oneTaskPerAssignment(tasks)).toEqual({ tasks, held: [] });
  });

  it("holds back every task of a unit named twice on one machine, and lets the others' through", () => {
    const tasks = [
      unsched('a.service', 'm1'),
      unsched('a.service', 'm3'),
      unsched('c.service', 'm2'),
      sched('b.service', 'm1'),
      sched('a.service', 'm1'),
    ];
    expect(oneTaskPerAssignment(tasks)).toEqual({
      tasks: [unsched('c.service', 'm2'), sched('b.service', 'm1')],
      held: [unsched('a.service', 'm1'), unsched('a.service', 'm3'), sched('a.service', 'm1')],
    });
  });
});
