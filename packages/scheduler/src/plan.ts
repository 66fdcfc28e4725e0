// planCluster: one planning pass, in three phases over one context (plan-context.ts): keep the
// valid assignments (plan-keep.ts), place global units, then the others (plan-place.ts), each
// writing its tasks into one TaskBook (plan-tasks.ts).
import { ClusterState } from './cluster.js';
import type { GlobCache } from './globs.js';
import { byName, type PlanContext } from './plan-context.js';
import { keepValid } from './plan-keep.js';
import { placeGlobal, placeUnits } from './plan-place.js';
import { TaskBook } from './plan-tasks.js';
import type { Plan, Snapshot, SnapshotUnit } from './types.js';
import type { ContentGate } from './content-gate.js';
import { moveDrained, type DrainGate } from './plan-drain.js';

/** Options of {@link planCluster}. */
export interface PlanOptions {
  /**
   * Compiled globs and match answers to reuse, and where matching work is counted. A caller that
   * plans repeatedly (the engine) keeps one, so a unit's globs are not weighed against the same
   * names again every pass. It changes how fast the plan comes, never the plan.
   */
  readonly globs?: GlobCache;
  /**
   * How many unit names the scans of a `Conflicts=` glob read before the glob is indexed (see
   * `ClusterState.runsMatching`); by default as many as the snapshot has units. Like `globs`, it
   * changes how fast the plan comes, never the plan: tests set 0 (index at once, as before) and
   * `Infinity` (never index) to check just that.
   */
  readonly indexGlobsAfter?: number;
  /**
   * Which contents each kept assignment gets (default: its unit's). The engine's rollouts hold
   * copies not released yet on what they run (see ContentGate).
   */
  readonly gate?: ContentGate;
  /** Which copies may leave draining machines now (default: none; see plan-drain.ts). */
  readonly drain?: DrainGate;
}

/**
 * Computes the tasks that move the cluster from the snapshot's assignments to its desired state.
 * Pure and deterministic: the same snapshot gives the same plan; planning again on the result of
 * applying the plan gives no tasks. Existing valid assignments are kept (no rebalancing).
 */
export function planCluster(snapshot: Snapshot, options: PlanOptions = {}): Plan {
  return fullPass(snapshot, options).book.result();
}

/** One full planning pass; returns its context (the state it leads to, and its book). */
export function fullPass(snapshot: Snapshot, options: PlanOptions = {}): FullPass {
  const units = new Map<string, SnapshotUnit>();
  for (const unit of [...snapshot.units].sort(byName)) units.set(unit.name, unit);
  const state = new ClusterState(
    snapshot.machines,
    units,
    options.globs,
    options.indexGlobsAfter ?? units.size,
  );
  const ctx: FullPass = {
    state,
    units,
    book: new TaskBook(undefined, options.gate),
    match: state.match,
  };
  keepValid(ctx, snapshot.assignments);
  if (options.drain !== undefined) moveDrained(ctx, options.drain);
  placeGlobal(ctx);
  placeUnits(ctx);
  return ctx;
}

/** A full pass's context, with its units map open to the planner (planner.ts) that keeps it. */
export interface FullPass extends PlanContext {
  readonly units: Map<string, SnapshotUnit>;
}
