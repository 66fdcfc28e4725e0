/** Counters of the engine, read by fleetd's `/metrics` (fleet's `fleet_engine_*` series). */
export interface EngineMetrics {
  /** Reconcile passes completed (fleet_engine_reconcile_count_total). */
  reconciles: number;
  /** Reconcile passes that failed (fleet_engine_reconcile_failure_count_total). */
  reconcileFailures: number;
  /** Tasks applied (fleet_engine_task_count_total). */
  tasks: number;
  /** Tasks whose write failed (fleet_engine_task_failure_count_total). */
  taskFailures: number;
  /** Duration of the last reconcile pass, in ms (fleet_engine_reconcile_duration_second). */
  lastReconcileMs: number;
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
    taskFailures: 0,
    lastReconcileMs: 0,
    lastPass: noPassPhases(),
    lastTaskPass: noPassPhases(),
    leaderSince: undefined,
  };
}
