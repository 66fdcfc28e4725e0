// One simulated fleetd process: its clock, its etcd link, its registry client, its systemd
// connection, and the Agent and Engine it runs, wired as fleetd wires them (one registry
// client shared by both). A kill leaves it inert; a restart is a new Fleetd on the same machine.
import { Agent, type SessionStore } from '@fleet/agent';
import { Engine } from '@fleet/engine';
import { KvRegistry, type JsonValue } from '@fleet/registry';
import type { Logger, ManualClock } from '@fleet/runtime';
import type { FakeSystemd } from '@fleet/systemd';
import { ComponentClock } from './component-clock.js';
import { FaultyKv, type CommittedTxn, type Kv } from './faulty-kv.js';
import { SystemdLink } from './faulty-systemd.js';

/** Timings of the simulated fleetds (fleet's defaults, with a short TTL as the e2e suite uses). */
export const TIMINGS = {
  agentTtlSeconds: 10,
  agentReconcileMs: 5_000,
  engineReconcileMs: 2_000,
  engineResyncMs: 60_000,
  /**
   * How long an agent may take to notice that its watch lost events: its periodic re-list of its
   * own assignments (reliability review F5; every 5 min in the agent's fix).
   */
  agentRelistMs: 300_000,
} as const;

async function fixedHealth(): Promise<Record<string, JsonValue>> {
  return { systemState: 'running' };
}

/** The session file of one machine (in /run: a power cut loses it). */
export class MemorySessionStore {
  private saved: { lease: string; incarnation: number } | undefined;

  /** The store as the incarnation `n` of the machine's fleetd sees it. */
  for(n: number, alive: (incarnation: number) => boolean): SessionStore {
    return {
      previous: () =>
        Promise.resolve(
          this.saved !== undefined && this.saved.incarnation !== n && !alive(this.saved.incarnation)
            ? this.saved.lease
            : undefined,
        ),
      save: (_machineId, lease) => Promise.resolve(void (this.saved = { lease, incarnation: n })),
      clear: () => Promise.resolve(void (this.saved = undefined)),
    };
  }
}

export interface FleetdDeps {
  readonly machineId: string;
  readonly index: number;
  readonly incarnation: number;
  readonly base: ManualClock;
  readonly store: Kv;
  readonly fake: FakeSystemd;
  readonly sessions: SessionStore;
  readonly random: () => number;
  readonly onCommit: (c: CommittedTxn) => void;
  /** Where the agent and engine log (default: nowhere). */
  readonly logger?: Logger;
}

export class SimFleetd {
  readonly clock: ComponentClock;
  readonly kv: FaultyKv;
  readonly registry: KvRegistry;
  readonly bus: SystemdLink;
  readonly agent: Agent;
  readonly engine: Engine;
  dead = false;

  constructor(readonly deps: FleetdDeps) {
    this.clock = new ComponentClock(deps.base);
    this.kv = new FaultyKv(deps.store, this.clock, deps.onCommit);
    this.registry = new KvRegistry(this.kv);
    this.bus = new SystemdLink(deps.fake, deps.base);
    this.agent = new Agent({
      registry: this.registry,
      systemd: this.bus.port(),
      machine: {
        id: deps.machineId,
        publicIP: `127.0.0.${deps.index + 2}`,
        metadata: {},
        version: 'sim',
        capabilities: [],
      },
      ttlSeconds: TIMINGS.agentTtlSeconds,
      clock: this.clock,
      reconcileIntervalMs: TIMINGS.agentReconcileMs,
      sessionStore: deps.sessions,
      collectHealth: fixedHealth,
      ...(deps.logger === undefined
        ? {}
        : { logger: deps.logger.child({ machine: deps.machineId }) }),
    });
    this.engine = new Engine({
      registry: this.registry,
      candidateId: deps.machineId,
      clock: this.clock,
      reconcileIntervalMs: TIMINGS.engineReconcileMs,
      resyncIntervalMs: TIMINGS.engineResyncMs,
      machineGraceMs: TIMINGS.agentTtlSeconds * 1000,
      random: deps.random,
      ...(deps.logger === undefined
        ? {}
        : { logger: deps.logger.child({ machine: deps.machineId }) }),
    });
  }

  start(): void {
    this.agent.start();
    this.engine.start();
  }

  /** SIGKILL: nothing of this process acts again; its leases expire after their TTL. */
  kill(): void {
    if (this.dead) return;
    this.dead = true;
    this.kv.setMode('dead');
    this.bus.setMode('dead');
    this.clock.kill();
    // End the loops (their awaits on the dead links never settle; nothing is left to act).
    void this.agent.stop().catch(() => undefined);
    void this.engine.stop({ resign: false }).catch(() => undefined);
  }

  /** SIGSTOP. */
  pause(): void {
    this.clock.pause();
    this.kv.setMode('paused');
    this.bus.setMode('paused');
  }

  /** SIGCONT: what waited runs, held watch events arrive at once. */
  resume(): void {
    if (this.dead) return;
    this.kv.setMode('ok');
    this.bus.setMode('ok');
    this.kv.release(Number.MAX_SAFE_INTEGER, 0);
    this.clock.resume();
  }

  /** SIGTERM with fleet's drain: units stopped and unloaded, the machine leaves. */
  async drain(): Promise<void> {
    await Promise.all([this.agent.stop({ drain: true }), this.engine.stop()]);
    this.kill();
  }
}
