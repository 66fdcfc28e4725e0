import type { Task } from './types.js';

/** What {@link oneTaskPerAssignment} lets through, and what it holds back. */
export interface GuardedTasks {
  /** The tasks to apply, in the plan's order. */
  readonly tasks: readonly Task[];
  /** Every task of a unit that had two tasks for one machine, in the plan's order. */
  readonly held: readonly Task[];
}

/**
 * The last check before a plan is written: a plan must name each assignment (unit, machine) at
 * most once, and the registry refuses a batch that names one twice, whole. So that one planner
 * bug cannot stall the whole cluster, every task of a unit that breaks the rule is held back (all
 * of them, so a move is never half made) and the other units' tasks go ahead. Pure.
 */
export function oneTaskPerAssignment(tasks: readonly Task[]): GuardedTasks {
  const seen = new Set<string>();
  const bad = new Set<string>();
  for (const t of tasks) {
    const k = `${t.unit}\u0000${t.machineId}`;
    if (seen.has(k)) bad.add(t.unit);
    seen.add(k);
  }
  if (bad.size === 0) return { tasks, held: [] };
  return {
    tasks: tasks.filter((t) => !bad.has(t.unit)),
    held: tasks.filter((t) => bad.has(t.unit)),
  };
}
