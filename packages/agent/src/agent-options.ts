// What an Agent is built from, and the counters it keeps.
import type { AgentStore, EventSink, MachineRecord } from '@fleet/registry';
import type { BackoffPolicy, Clock, Logger } from '@fleet/runtime';
import type { Systemd } from '@fleet/systemd';
import type { LaunchedStore } from './launched-store.js';
import { noPhaseTimes, type PhaseTimes } from './phases.js';
import type { HealthCollector } from './registration.js';
import type { SessionStore } from './session-file.js';

export interface AgentOptions {
  readonly registry: AgentStore;
  readonly systemd: Systemd;
  /** The machine as registered (its health is filled in by the agent). */
  readonly machine: Omit<MachineRecord, 'health'>;
  /** fleet's `agent_ttl` in seconds (default 30): how long the machine outlives silence. */
  readonly ttlSeconds?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** A full local pass (files and systemd states against assignments), default every 5 s as in fleet. */
  readonly reconcileIntervalMs?: number;
  /** Health refresh into the machine record (default 60 s). */
  readonly healthIntervalMs?: number;
  /**
   * A refreshed health record that differs from the last one written only in gauges (load,
   * memory, disk, uptimes) is written at most this often (default 10 min); any other change is
   * written at the next refresh.
   */
  readonly healthMaxAgeMs?: number;
  /** Changes arriving within this window are acted on together (default 20 ms). */
  readonly debounceMs?: number;
  /**
   * Unit state changes within this window are published together, the latest winning
   * (default 50 ms): a started unit's `activating` is then rarely written before its `active`.
   */
  readonly publishDelayMs?: number;
  /** systemd's overall state for the health record (default: the Systemd port's). */
  readonly systemState?: () => Promise<string>;
  /**
   * Remembers the machine session across processes, so that a fleetd restarted after a crash
   * takes its machine over in place (default: none; a restarted agent waits out the old lease).
   */
  readonly sessionStore?: SessionStore;
  /**
   * Remembers which units this agent launched across processes, so that a fleetd restarted after
   * a crash still stops a unit it launched once the unit's desired state is `loaded` (and still
   * leaves alone one systemd started by itself). Default: none; a restarted agent counts only the
   * units it finds running as desired (`launched`) as its own.
   */
  readonly launchedStore?: LaunchedStore;
  /**
   * How long a unit whose load or start failed (systemd refused it) waits before the next attempt:
   * default 5 s doubling to 5 min, reset when its assignment changes or a start succeeds (a
   * policy with `jitter` draws from `random`).
   */
  readonly retryBackoff?: BackoffPolicy;
  /**
   * Collects the health record. The default reads no files ({@link basicHealth}: version,
   * uptime, systemd's state); fleetd passes {@link collectHealth}, which adds the load, memory and
   * disk from `/proc` and `statfs`.
   */
  readonly collectHealth?: HealthCollector;
  /**
   * The machine's own assignments are listed again about this often (default 5 min, ±20 %
   * jitter), and the view repaired if it differs: a watch that went silent without an error.
   */
  readonly relistIntervalMs?: number;
  /**
   * In [0, 1): randomness for the jitter of retries and re-listings (default: seeded by the
   * machine ID, so machines spread and each one's delays are reproducible).
   */
  readonly random?: () => number;
  /**
   * fleetd's `agent_self_fence` (ours; fleet had no such option): once the machine's lease has
   * gone without an acknowledged renewal for its TTL less a margin (TTL/5, at least 1 s), stop
   * every non-global unit, so that the copy the engine starts elsewhere is the only one running.
   * Global units keep running. After registering again the agent follows its assignments.
   */
  readonly selfFence?: boolean;
  /**
   * Where the agent emits `unit.started|failed|stopped` as its units' active states change on
   * this machine (absent: no events). Never waited for.
   */
  readonly events?: EventSink;
}

/** Counters of the agent. */
export interface AgentMetrics {
  passes: number;
  passFailures: number;
  tasks: number;
  taskFailures: number;
  registrations: number;
  /**
   * Times a change to this machine's assignments (a watch event, or a fresh listing) woke the
   * agent. A change elsewhere in the cluster never counts here.
   */
  assignmentChanges: number;
  /** daemon-reloads done (a plan's reload, or a start's safety-net reload). */
  daemonReloads: number;
  /** Plans that changed unit files but needed no daemon-reload (systemd held no changed unit). */
  daemonReloadsSkipped: number;
  /**
   * Milliseconds spent per phase (see phases.ts) in passes that ran tasks, since the start: where
   * the time between an assignment and a queued start job goes.
   */
  phaseMs: PhaseTimes;
}

/** Counters at zero. */
export function newAgentMetrics(): AgentMetrics {
  return {
    passes: 0,
    passFailures: 0,
    tasks: 0,
    taskFailures: 0,
    registrations: 0,
    assignmentChanges: 0,
    daemonReloads: 0,
    daemonReloadsSkipped: 0,
    phaseMs: noPhaseTimes(),
  };
}
