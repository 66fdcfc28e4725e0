// What an Engine is built from: the store role it may use, its clock and logger, and its timings.
import type { EngineStore, EventSink } from '@fleet/registry';
import type { Clock, Logger } from '@fleet/runtime';
import type { EventTrimOptions } from './events.js';
import type { RolloutController } from './rollouts.js';

export interface EngineOptions {
  readonly registry: EngineStore;
  /** This fleetd's machine ID: the candidate name in the election. */
  readonly candidateId: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /**
   * fleet's `engine_reconcile_interval` (default 0.6 s; fleet's 2 s): how often a leader re-checks
   * its leadership and timers, and a follower's pause between terms. The lease TTL is five times
   * this, as in fleet (3 s; fleet's 10 s).
   */
  readonly reconcileIntervalMs?: number;
  /** Events arriving within this window are planned together (default 25 ms). */
  readonly debounceMs?: number;
  /** A full re-list of the cluster, repairing anything a watch missed (default 60 s). */
  readonly resyncIntervalMs?: number;
  /**
   * For this long after winning an election (default 30 s, fleet's agent_ttl), machines that hold
   * assignments but are not registered keep their units: after an outage that expired every
   * lease, agents need a moment to register again, and moving their units would restart them.
   * A machine that leaves while this engine leads loses its (non-global) units at once. The
   * grace is at least the largest session TTL in any machine record this engine has read (an
   * agent with a longer TTL is given as long to come back); 0 turns the grace off.
   */
  readonly machineGraceMs?: number;
  /**
   * A machine whose record vanished (its lease expired: a partition, a pause, a crash) keeps
   * the assignments of its global units this long (default 1 h) while its other units move at
   * once. fleet's agents kept running global units through a cut; without this, a machine that
   * comes back after a cut longer than its TTL would stop and restart every global unit. A
   * machine that stays gone loses them after this time.
   */
  readonly awayGlobalsMs?: number;
  /**
   * A follower does not poll for leadership: it watches the leader key and campaigns when it is
   * vacated, after a random delay below this (default 250 ms, at most half the reconcile interval),
   * during which another follower's win calls it off. Spreads a thousand followers' campaigns.
   */
  readonly campaignJitterMs?: number;
  /** A follower campaigns at least this often even if its watch said nothing (default 5 min). */
  readonly followerRecheckMs?: number;
  /** Randomness for the jitter, in [0, 1) (default Math.random). */
  readonly random?: () => number;
  /**
   * Where the engine emits cluster events: `unit.placed|moved|unscheduled` for the tasks a leader
   * applies, `machine.joined|lost` as its view of the machines changes. Code inside the engine
   * (the rollout controller) emits through the same sink. Absent: no events, and no trimming.
   */
  readonly events?: EventSink;
  /** How the leader bounds the event log (default 5,000 events, 2 MiB, every 60 s); null: never. */
  readonly eventTrim?: EventTrimOptions | null;
  /**
   * Rolling updates (docs/deploys.md): a changed unit reaches its group's copies in waves with
   * health gates and rollback, driven by this controller (built over the same registry) while
   * the engine leads. Without it every copy gets new contents at once, as before.
   */
  readonly rollouts?: RolloutController;
}
