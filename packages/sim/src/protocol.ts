// The messages between the simulation's controller and its worker processes (over the IPC
// channel of child_process.fork-style spawning): one request, one response, matched by id.
import type { PassPhases } from '@fleet/engine';

/** A simulated machine: its identity as its agent registers it. */
export interface SimMachine {
  readonly id: string;
  readonly publicIP: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** How a worker connects to etcd: one registry per process, or one per simulated fleetd. */
export type ClientMode = 'shared' | 'per-agent';

/** Starts a worker that hosts a share of the simulated machines. */
export interface AgentsInit {
  readonly role: 'agents';
  readonly endpoints: readonly string[];
  readonly prefix: string;
  readonly machines: readonly SimMachine[];
  readonly ttlSeconds: number;
  /** systemd's simulated start latency per unit (ms). */
  readonly startLatencyMs: number;
  readonly clientMode: ClientMode;
  /**
   * Each simulated fleetd also runs an engine from the start, as fleetd does unless
   * `disable_engine` (otherwise they start on a `followers` request).
   */
  readonly followerEngines: boolean;
}

/** Starts a worker that hosts the engine (the leader, started before any follower). */
export interface EngineInit {
  readonly role: 'engine';
  readonly endpoints: readonly string[];
  readonly prefix: string;
  readonly candidateId: string;
  /** The agents' TTL: a new leader's grace for machines not yet seen (fleetd passes agent_ttl). */
  readonly agentTtlSeconds: number;
}

export type WorkerInit = AgentsInit | EngineInit;

/** Memory of a worker process, in bytes (heap measured after a full GC when asked). */
export interface MemoryStats {
  readonly rss: number;
  readonly heapUsed: number;
  /** Heap used before any simulated machine was created (after a full GC). */
  readonly heapBase: number;
  /** CPU time used by the process so far (user + system), in ms. */
  readonly cpuMs: number;
}

/** What an agents worker reports. */
export interface AgentsStats extends MemoryStats {
  readonly machines: number;
  readonly registered: number;
  /** Per machine (in init order): assignment changes that woke its agent. */
  readonly wakeups: readonly number[];
  /** Per machine: units its agent launched. */
  readonly launched: readonly number[];
  readonly passes: number;
  /** Milliseconds the agents here spent per phase of their passes (the agent's PhaseTimes). */
  readonly agentPhaseMs: Readonly<Record<string, number>>;
  readonly taskFailures: number;
  /** Registrations beyond the first of each machine (sessions lost and taken again). */
  readonly reregistrations: number;
  /** Engine passes run by follower engines here (0 unless one became leader). */
  readonly followerReconciles: number;
  /** Registry calls by method (`watchAssignments.close` for a watch closed) of the agents here. */
  readonly agentCalls: Readonly<Record<string, number>>;
  /** Warnings and errors of the agents here, by message. */
  readonly agentLog: Readonly<Record<string, number>>;
  /** The same for the follower engines here. */
  readonly engineCalls: Readonly<Record<string, number>>;
}

/** What the engine worker reports. */
export interface EngineStats extends MemoryStats {
  readonly leader: boolean;
  readonly reconciles: number;
  readonly reconcileFailures: number;
  readonly tasks: number;
  readonly lastReconcileMs: number;
  /** Where the last pass's time went, phase by phase (ms). */
  readonly lastPass: PassPhases;
  /** The same, of the last pass that wrote tasks. */
  readonly lastTaskPass: PassPhases;
  /** Registry calls by method of the engine. */
  readonly calls: Readonly<Record<string, number>>;
}

export type Request =
  | { readonly id: number; readonly method: 'init'; readonly params: WorkerInit }
  | { readonly id: number; readonly method: 'stats'; readonly params: { readonly gc: boolean } }
  | {
      readonly id: number;
      readonly method: 'kill';
      readonly params: { readonly machineId: string };
    }
  | { readonly id: number; readonly method: 'followers'; readonly params: Record<string, never> }
  | { readonly id: number; readonly method: 'stop'; readonly params: Record<string, never> };

export interface Response {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: string;
}
