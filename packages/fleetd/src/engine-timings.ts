// The engine's timings from fleetd's configuration.
import type { FleetdConfig } from './config.js';

/**
 * The longest an agent waits between two registration attempts while etcd is unreachable (its
 * registration backoff is capped at its reconcile interval, 5 s). After an outage that expired
 * every lease, an agent may thus register again up to this long after etcd is back.
 */
export const AGENT_REGISTER_PAUSE_MS = 5_000;

/** What fleetd tells its engine. */
export interface EngineTimings {
  /** fleet's engine_reconcile_interval; the leader lease is five of these. */
  readonly reconcileIntervalMs: number;
  /**
   * A new leader's grace for machines not registered yet: one agent TTL plus the agent's longest
   * pause between registration attempts. With fleet's 30 s TTL the TTL alone covered the pause;
   * with 5 s it did not, and an agent whose next attempt came 5 s after etcd returned found its
   * units moved (restarted elsewhere). A floor: the engine lengthens it to the longest agent TTL it
   * reads in a machine record.
   */
  readonly machineGraceMs: number;
}

export function engineTimings(
  config: Pick<FleetdConfig, 'agentTtl' | 'engineReconcileInterval'>,
): EngineTimings {
  return {
    reconcileIntervalMs: Math.round(config.engineReconcileInterval * 1000),
    machineGraceMs: config.agentTtl * 1000 + AGENT_REGISTER_PAUSE_MS,
  };
}
