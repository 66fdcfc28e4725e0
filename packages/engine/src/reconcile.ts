import type { EngineStore, Leadership } from '@fleet/registry';
import {
  oneTaskPerAssignment,
  planCluster,
  type GlobCache,
  type Plan,
  type Planner,
  type Task,
} from '@fleet/scheduler';
import { applyTasks } from './apply.js';
import type { ClusterCache } from './cluster-cache.js';
import type { Logger } from '@fleet/runtime';
import { countBy, type EngineMetrics, type PassPhases } from './metrics.js';

/** How many reason writes run at once. */
const REASON_CONCURRENCY = 16;

/** What one pass did. */
export interface PassResult {
  /** The tasks written. */
  readonly tasks: readonly Task[];
  readonly waiting: number;
  /** Tasks held back or refused by the registry: the next interval plans them again. */
  readonly refused: number;
}

/**
 * One reconcile pass of the leader: snapshot the cache, plan, commit the tasks as fenced
 * assignment writes (batched into transactions by the registry), record them in the cache at the
 * revision the commit returned, and publish why units wait. Throws what the registry throws (a
 * `NotLeaderError` ends the term); a write that throws marks the cache unsure first, since it may
 * have committed all the same.
 */
export async function reconcileOnce(
  cache: ClusterCache,
  registry: EngineStore,
  leadership: Leadership,
  log: Logger,
  metrics: EngineMetrics,
  {
    ghosts = false,
    awayMs = 0,
    globs,
    planner,
    onApplied,
  }: {
    ghosts?: boolean;
    awayMs?: number;
    globs?: GlobCache;
    planner?: Planner;
    /** Told the tasks written (the event log's hook); must not throw. */
    onApplied?: (tasks: readonly Task[]) => void;
  } = {},
): Promise<PassResult> {
  const phases = metrics.lastPass;
  phases.snapshot = phases.plan = 0;
  const clock = cache.clock;
  let mark = clock.monotonic();
  const changedAt = cache.takeChangedAt();
  phases.wake = changedAt === undefined ? 0 : mark - changedAt;
  phases.write = phases.reasons = 0;
  /** Milliseconds since the last lap. */
  const lap = (): number => {
    const before = mark;
    mark = clock.monotonic();
    return mark - before;
  };
  let plan: Plan;
  try {
    plan = await planPass(cache, phases, lap, { ghosts, awayMs, globs, planner });
  } catch (err) {
    // The cache may have handed out its changed units already: plan in full next time.
    planner?.forget();
    throw err;
  }
  if (!leadership.isLeader()) return { tasks: [], waiting: plan.waiting.length, refused: 0 };
  metrics.waiting = plan.waiting.length;
  metrics.unitStates = () => countBy(cache.rolloutView().units.values(), (u) => u.desiredState);
  // One unit's bad tasks must not stall the cluster: hold them back, write the rest.
  const guarded = oneTaskPerAssignment(plan.tasks);
  for (const t of guarded.held) {
    log.error(
      { task: t.kind, unit: t.unit, machine: t.machineId, reason: t.reason },
      'task held back: the plan names one assignment of this unit twice',
    );
  }
  metrics.taskFailures += guarded.held.length;
  let refused = guarded.held.length;
  let applied: readonly Task[] = [];
  if (guarded.tasks.length > 0) {
    const r = await unsureOnError(cache, () =>
      applyTasks(registry, leadership.token, guarded.tasks, log, metrics),
    );
    applied = r.applied;
    refused += r.refused;
    for (const t of applied) {
      if (t.kind === 'unschedule') cache.deleteAssignment(t.machineId, t.unit, r.revision);
      else {
        const { machineId, unit, hash, desiredState } = t;
        cache.putAssignment({ machineId, unit, hash, desiredState, revision: r.revision });
      }
      log.info(
        { task: t.kind, unit: t.unit, machine: t.machineId, reason: t.reason },
        'applied task',
      );
    }
    metrics.tasks += applied.length;
    for (const t of applied) metrics.tasksByType[t.kind] = (metrics.tasksByType[t.kind] ?? 0) + 1;
    onApplied?.(applied);
    phases.write = lap();
  }
  // Every task written: the planner's state is the cluster's (else the next pass is a full one).
  if (refused === 0) planner?.committed();
  const want = new Map(plan.waiting.map((w) => [w.unit, w.reason]));
  const writes: [string, string | null][] = [];
  for (const [unit, reason] of want)
    if (cache.reasonOf(unit) !== reason) writes.push([unit, reason]);
  for (const unit of cache.unitsWithReason()) if (!want.has(unit)) writes.push([unit, null]);
  for (let i = 0; i < writes.length; i += REASON_CONCURRENCY) {
    await Promise.all(
      writes.slice(i, i + REASON_CONCURRENCY).map(async ([unit, reason]) => {
        await unsureOnError(cache, () => registry.setUnitReason(leadership.token, unit, reason));
        cache.setReason(unit, reason ?? undefined);
        if (reason !== null) log.info({ unit, reason }, 'unit cannot be scheduled');
      }),
    );
  }
  phases.reasons = lap();
  if (applied.length > 0) metrics.lastTaskPass = { ...phases };
  return { tasks: applied, waiting: plan.waiting.length, refused };
}

/**
 * Snapshots and plans: only the units that changed, if only units changed and the planner holds
 * the state the last pass led to; else the whole cluster.
 */
async function planPass(
  cache: ClusterCache,
  phases: PassPhases,
  lap: () => number,
  opts: {
    ghosts: boolean;
    awayMs: number;
    globs: GlobCache | undefined;
    planner: Planner | undefined;
  },
): Promise<Plan> {
  const { ghosts, awayMs, globs, planner } = opts;
  if (planner?.ready === true) {
    const changes = await cache.changes({ ghosts, awayMs });
    phases.snapshot = lap();
    const plan = changes && planner.changes(changes.machines, changes.units);
    phases.plan = lap();
    phases.kind = 'changes';
    if (plan !== undefined) return plan;
  }
  phases.kind = 'full';
  planner?.forget();
  const snapshot = await cache.snapshot({ ghosts, awayMs });
  phases.snapshot += lap();
  const plan =
    planner !== undefined
      ? planner.full(snapshot)
      : planCluster(snapshot, globs === undefined ? {} : { globs });
  phases.plan += lap();
  return plan;
}

/** Runs an engine write; if it throws, the cache is marked unsure (the write may have committed). */
async function unsureOnError<T>(cache: ClusterCache, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    cache.markUnsure();
    throw err;
  }
}
