import { InvalidInputError, type EngineStore } from '@fleet/registry';
import type { Logger } from '@fleet/runtime';
import type { Task } from '@fleet/scheduler';
import type { EngineMetrics } from './metrics.js';

/** How many units' writes run at once when a plan is written unit by unit. */
const UNIT_CONCURRENCY = 16;

/** The kinds of task in the order the registry commits them. */
const PHASES: readonly Task['kind'][] = ['unschedule', 'update', 'schedule'];

/** What {@link applyTasks} wrote. */
export interface Applied {
  readonly applied: readonly Task[];
  /** Tasks of units whose writes the registry refused as invalid. */
  readonly refused: number;
  /** A revision no earlier than any of the writes (what the registry's commits returned). */
  readonly revision: string;
}

/**
 * Writes a plan's tasks as fenced assignment ops (a task is an `AssignmentOp` with a reason, and
 * is passed as it is): the whole plan at once (batched by the registry). If the registry refuses
 * it as invalid input, one unit's op is at fault, and a batch is refused whole: the plan is then
 * written unit by unit, kind by kind (every unschedule before any schedule, as in one batch), and
 * a unit whose write is refused is left out of the later kinds and logged, so the other units are
 * still scheduled. Any other error is thrown (a `NotLeaderError` ends the term).
 */
export async function applyTasks(
  registry: EngineStore,
  token: string,
  tasks: readonly Task[],
  log: Logger,
  metrics: EngineMetrics,
): Promise<Applied> {
  try {
    const r = await registry.applyAssignments(token, tasks);
    return { applied: tasks, refused: 0, revision: r.revision };
  } catch (err) {
    if (!(err instanceof InvalidInputError)) {
      metrics.taskFailures += tasks.length;
      throw err;
    }
    log.warn({ err }, 'the registry refused the plan; writing it unit by unit');
  }
  const byUnit = new Map<string, Task[]>();
  for (const t of tasks) {
    const list = byUnit.get(t.unit);
    if (list === undefined) byUnit.set(t.unit, [t]);
    else list.push(t);
  }
  const applied: Task[] = [];
  const bad = new Set<string>();
  let revision = 0n;
  for (const kind of PHASES) {
    const work = [...byUnit]
      .filter(([unit]) => !bad.has(unit))
      .map(([unit, list]) => [unit, list.filter((t) => t.kind === kind)] as const)
      .filter(([, list]) => list.length > 0);
    for (let i = 0; i < work.length; i += UNIT_CONCURRENCY) {
      await Promise.all(
        work.slice(i, i + UNIT_CONCURRENCY).map(async ([unit, list]) => {
          try {
            const r = await registry.applyAssignments(token, list);
            if (BigInt(r.revision) > revision) revision = BigInt(r.revision);
            applied.push(...list);
          } catch (err) {
            if (!(err instanceof InvalidInputError)) throw err;
            bad.add(unit);
            log.error({ err, unit }, 'the registry refused the tasks of this unit');
          }
        }),
      );
    }
  }
  const order = new Map(tasks.map((t, i) => [t, i]));
  applied.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  const refused = tasks.length - applied.length;
  metrics.taskFailures += refused;
  return { applied, refused, revision: revision.toString() };
}
