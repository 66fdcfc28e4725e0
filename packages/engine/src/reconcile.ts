import type { AssignmentOp, Leadership, Registry } from '@fleet/registry';
import { planCluster, type GlobCache, type Task } from '@fleet/scheduler';
import type { ClusterCache } from './cluster-cache.js';
import type { Logger } from '@fleet/runtime';
import type { EngineMetrics } from './metrics.js';

/** How many reason writes run at once. */
const REASON_CONCURRENCY = 16;

/** What one pass did. */
export interface PassResult {
  readonly tasks: readonly Task[];
  readonly waiting: number;
}

/**
 * One reconcile pass of the leader: snapshot the cache, plan, commit the tasks as fenced
 * assignment writes (batched into transactions by the registry), record them in the cache, and
 * publish why units wait. Throws what the registry throws (a `NotLeaderError` ends the term).
 */
export async function reconcileOnce(
  cache: ClusterCache,
  registry: Registry,
  leadership: Leadership,
  log: Logger,
  metrics: EngineMetrics,
  { ghosts = false, globs }: { ghosts?: boolean; globs?: GlobCache } = {},
): Promise<PassResult> {
  const snapshot = await cache.snapshot({ ghosts });
  const plan = planCluster(snapshot, globs === undefined ? {} : { globs });
  if (!leadership.isLeader()) return { tasks: [], waiting: plan.waiting.length };
  if (plan.tasks.length > 0) {
    try {
      await registry.applyAssignments(leadership.token, plan.tasks.map(toOp));
    } catch (err) {
      metrics.taskFailures += plan.tasks.length;
      throw err;
    }
    for (const t of plan.tasks) {
      if (t.kind === 'unschedule') cache.deleteAssignment(t.machineId, t.unit);
      else {
        const { machineId, unit, hash, desiredState } = t;
        cache.putAssignment({ machineId, unit, hash, desiredState, revision: '0' });
      }
      log.info(
        { task: t.kind, unit: t.unit, machine: t.machineId, reason: t.reason },
        'applied task',
      );
    }
    metrics.tasks += plan.tasks.length;
  }
  const want = new Map(plan.waiting.map((w) => [w.unit, w.reason]));
  const writes: [string, string | null][] = [];
  for (const [unit, reason] of want)
    if (cache.reasonOf(unit) !== reason) writes.push([unit, reason]);
  for (const unit of cache.unitsWithReason()) if (!want.has(unit)) writes.push([unit, null]);
  for (let i = 0; i < writes.length; i += REASON_CONCURRENCY) {
    await Promise.all(
      writes.slice(i, i + REASON_CONCURRENCY).map(async ([unit, reason]) => {
        await registry.setUnitReason(leadership.token, unit, reason);
        cache.setReason(unit, reason ?? undefined);
        if (reason !== null) log.info({ unit, reason }, 'unit cannot be scheduled');
      }),
    );
  }
  return { tasks: plan.tasks, waiting: plan.waiting.length };
}

function toOp(t: Task): AssignmentOp {
  if (t.kind === 'unschedule') return { type: 'unschedule', machineId: t.machineId, unit: t.unit };
  return {
    type: t.kind,
    machineId: t.machineId,
    unit: t.unit,
    hash: t.hash,
    desiredState: t.desiredState,
  };
}
