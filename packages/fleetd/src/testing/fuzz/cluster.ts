// A whole fleet in one process for the pipeline fuzzer: the real API handler (by injection),
// an InMemoryRegistry, the real Engine and 2–4 real Agents over FakeSystemd, all on one manual
// clock, wired as fleetd wires them (daemon.ts) minus listeners, etcd and D-Bus.
import { Agent } from '@fleet/agent';
import { createApi, type ApiHandler } from '@fleet/api';
import { inject, type InjectRequest, type InjectResponse } from '@fleet/api/testing';
import { Engine } from '@fleet/engine';
import { InMemoryRegistry, type JsonValue } from '@fleet/registry';
import { ManualClock } from '@fleet/runtime';
import { FakeSystemd } from '@fleet/systemd';

/** A machine of the fuzzed cluster. */
export interface FuzzMachineSpec {
  readonly id: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** One machine's fleetd: its agent and its systemd. */
export interface FuzzMachine extends FuzzMachineSpec {
  readonly agent: Agent;
  readonly systemd: FakeSystemd;
}

/** FakeSystemd calls that change something: what a "task" costs a machine. */
export const CHANGING_CALLS: ReadonlySet<string> = new Set([
  'writeUnit',
  'removeUnit',
  'link',
  'enable',
  'disable',
  'daemonReload',
  'start',
  'stop',
  'resetFailed',
]);

/** Timings of the fuzzed fleetds: fleet's defaults where they shape behaviour. */
export const AGENT_RECONCILE_MS = 5_000;
export const ENGINE_RECONCILE_MS = 2_000;
const AGENT_TTL_SECONDS = 30;

async function fixedHealth(): Promise<Record<string, JsonValue>> {
  return { systemState: 'running' };
}

/** One macrotask turn: every promise callback queued before it has run. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class FuzzCluster {
  readonly clock = new ManualClock();
  readonly registry = new InMemoryRegistry({ clock: this.clock });
  readonly api: ApiHandler;
  readonly engine: Engine;
  readonly machines: readonly FuzzMachine[];

  private constructor(specs: readonly FuzzMachineSpec[]) {
    // listingMaxAgeMs 0: every page re-reads (no cache timers on the manual clock).
    this.api = createApi({
      registry: this.registry,
      version: 'fuzz',
      clock: this.clock,
      listingMaxAgeMs: 0,
    });
    this.machines = specs.map((spec, i) => {
      const systemd = new FakeSystemd({ clock: this.clock });
      const agent = new Agent({
        registry: this.registry,
        systemd,
        machine: {
          id: spec.id,
          publicIP: `127.0.0.${i + 2}`,
          metadata: spec.metadata,
          version: 'fuzz',
          capabilities: [],
        },
        ttlSeconds: AGENT_TTL_SECONDS,
        clock: this.clock,
        reconcileIntervalMs: AGENT_RECONCILE_MS,
        collectHealth: fixedHealth, // the real one reads /proc
      });
      return { ...spec, agent, systemd };
    });
    const first = specs[0];
    if (first === undefined) throw new Error('a fuzzed cluster needs a machine');
    this.engine = new Engine({
      registry: this.registry,
      candidateId: first.id,
      clock: this.clock,
      reconcileIntervalMs: ENGINE_RECONCILE_MS,
      machineGraceMs: AGENT_TTL_SECONDS * 1000,
      random: () => 0,
    });
  }

  /** Starts every fleetd and waits (in clock time) until all are registered and one leads. */
  static async start(specs: readonly FuzzMachineSpec[]): Promise<FuzzCluster> {
    const c = new FuzzCluster(specs);
    for (const m of c.machines) m.agent.start();
    c.engine.start();
    for (let waited = 0; !c.ready(); waited += 100) {
      if (waited > 30_000) throw new Error('the fuzzed cluster did not come up in 30 s');
      await c.tick(100);
    }
    return c;
  }

  private ready(): boolean {
    return this.engine.isLeader() && this.machines.every((m) => m.agent.registered);
  }

  /** Moves the clock by `ms`, letting every timer's async work finish before the next fires. */
  async tick(ms: number): Promise<void> {
    await this.clock.tick(ms);
    await turn();
  }

  /** One request to the API. */
  request(req: InjectRequest): Promise<InjectResponse> {
    return inject(this.api, req);
  }

  /** How many changing systemd calls each machine has had, per unit name ('' = daemon-reload). */
  changingCalls(): Map<string, Map<string, Map<string, number>>> {
    const out = new Map<string, Map<string, Map<string, number>>>();
    for (const m of this.machines) {
      const perUnit = new Map<string, Map<string, number>>();
      for (const call of m.systemd.calls) {
        if (!CHANGING_CALLS.has(call.method)) continue;
        const unit = call.name ?? '';
        const counts = perUnit.get(unit) ?? new Map<string, number>();
        counts.set(call.method, (counts.get(call.method) ?? 0) + 1);
        perUnit.set(unit, counts);
      }
      out.set(m.id, perUnit);
    }
    return out;
  }

  /** Number of changing systemd calls so far on every machine together. */
  changingCallCount(): number {
    let n = 0;
    for (const m of this.machines)
      for (const call of m.systemd.calls) if (CHANGING_CALLS.has(call.method)) n++;
    return n;
  }

  /** Stops everything (agents without draining, the engine), on clock time. */
  async stop(): Promise<void> {
    let stopped = false;
    const stopping = Promise.all([
      ...this.machines.map((m) => m.agent.stop()),
      this.engine.stop(),
    ]).then(() => (stopped = true));
    for (let i = 0; i < 100 && !stopped; i++) await this.tick(100);
    await stopping;
    await Promise.all(this.machines.map((m) => m.systemd.close()));
    await this.registry.close();
  }
}
