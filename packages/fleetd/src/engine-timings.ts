// The engine's timings from fleetd's configuration.
import type { FleetdConfig } from './config.js';

/** What fleetd tells its engine. */
export interface EngineTimings {
  /** fleet's engine_reconcile_interval; the leader lease is five of these. */
  readonly reconcileIntervalMs: number;
  /**
   * A new leader's grace for machines not registered yet: one agent TTL. A floor: the engine
   * lengthens it to the longest agent TTL it reads in a machine record. Not longer: a machine that
   * died with the leader and expired before the new leader won is one of these too, and its units
   * wait out the grace (with a 5 s lease and a 10 s grace they took 14.8 s to run elsewhere).
   */
  readonly machineGraceMs: number;
}

export function engineTimings(
  config: Pick<FleetdConfig, 'agentTtl' | 'engineReconcileInterval'>,
): EngineTimings {
  return {
    reconcileIntervalMs: Math.round(config.engineReconcileInterval * 1000),
    machineGraceMs: config.agentTtl * 1000,
  };
}
