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
  /** When this engine last became leader (clock ms), or undefined while it is not leader. */
  leaderSince: number | undefined;
}

export function newMetrics(): EngineMetrics {
  return {
    reconciles: 0,
    reconcileFailures: 0,
    tasks: 0,
    taskFailures: 0,
    lastReconcileMs: 0,
    leaderSince: undefined,
  };
}
