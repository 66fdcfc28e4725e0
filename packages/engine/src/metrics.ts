/**
 * Counters of the engine, read by fleetd's `/metrics` (docs/operating.md, "Metrics and logs"):
 * plain numbers here, exported by fleetd as Prometheus counters, gauges and histograms.
 */
export interface EngineMetrics {
  /** Reconcile passes completed (fleet_engine_reconciles_total). */
  reconciles: number;
  /** Reconcile passes that failed (fleet_engine_reconcile_failures_total). */
  reconcileFailures: number;
  /** Tasks applied. */
  tasks: number;
  /** Tasks applied, by kind: schedule, unschedule, update (fleet_engine_tasks_total{type}). */
  tasksByType: Record<string, number>;
  /** Tasks whose write failed (fleet_engine_task_failures_total). */
  taskFailures: number;
  /** Duration of the last reconcile pass, in ms. */
  lastReconcileMs: number;
  /** Told each pass's duration in ms (fleetd's fleet_engine_reconcile_duration_seconds). */
  onPass?: (ms: number) => void;
  /** Launched units the last pass of this leader could not place (fleet_units_waiting). */
  waiting: number;
  /**
   * While leader: units by desired state, counted from the term's cache when asked
   * (fleet_units{state}); undefined once the term ended.
   */
  unitStates?: (() => Record<string, number>) | undefined;
  /** Open rollouts by state, as the leader last read or wrote them (fleet_rollouts{state}). */
  rolloutStates?: () => Record<string, number>;
  /** Where the last pass's time went, phase by phase (see {@link PassPhases}). */
  lastPass: PassPhases;
  /** The same, of the last pass that wrote tasks. */
  lastTaskPass: PassPhases;
  /** When this engine last became leader (clock ms), or undefined while it is not leader. */
  leaderSince: number | undefined;
}

/** Milliseconds of one reconcile pass, phase by phase, in the order they happen. */
export interface PassPhases {
  /** From the first change the cache saw to the pass starting (debounce, an earlier pass). */
  wake: number;
  /** Building the snapshot (with a batched read of new units' contents). */
  snapshot: number;
  /** Planning (planCluster, or the planner's pass over the changed units only). */
  plan: number;
  /** Writing the tasks (fenced, batched transactions). */
  write: number;
  /** Writing why units wait. */
  reasons: number;
  /** Whether the pass planned the whole cluster or only the units that changed. */
  kind: 'full' | 'changes';
}

export function noPassPhases(): PassPhases {
  return { wake: 0, snapshot: 0, plan: 0, write: 0, reasons: 0, kind: 'full' };
}

export function newMetrics(): EngineMetrics {
  return {
    reconciles: 0,
    reconcileFailures: 0,
    tasks: 0,
    tasksByType: {},
    taskFailures: 0,
    waiting: 0,
    lastReconcileMs: 0,
    lastPass: noPassPhases(),
    lastTaskPass: noPassPhases(),
    leaderSince: undefined,
  };
}

/** Records a pass's duration (ms): the last one, and {@link EngineMetrics.onPass}. */
export function passTimed(metrics: EngineMetrics, ms: number): void {
  metrics.lastReconcileMs = ms;
  metrics.onPass?.(ms);
}

/** A leadership term ended: what only a leader knows is forgotten (its cache with it). */
export function termEnded(metrics: EngineMetrics): void {
  metrics.leaderSince = undefined;
  metrics.unitStates = undefined;
  metrics.waiting = 0;
}

/** How many of `items` have each key. */
export function countBy<T>(items: Iterable<T>, key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) {
    const k = key(item);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
