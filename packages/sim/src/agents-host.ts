// The simulated fleetds of one worker process: for each machine the real Agent over a
// FakeSystemd (with a start latency), and optionally the real Engine as a follower, exactly as
// fleetd wires them (packages/fleetd/src/daemon.ts), minus the API listener and D-Bus.
import { Agent } from '@fleet/agent';
import { Engine } from '@fleet/engine';
import type { Registry } from '@fleet/registry';
import { EtcdRegistry } from '@fleet/registry/etcd';
import { FakeSystemd } from '@fleet/systemd';
import { countCalls, countingLogger, type CallCounts } from './counting.js';
import { cpuMs, heapUsed } from './memory.js';
import type { AgentsInit, AgentsStats } from './protocol.js';

interface SimFleetd {
  readonly id: string;
  readonly agent: Agent;
  readonly systemd: FakeSystemd;
  engine: Engine | undefined;
  /** Its own registry in `per-agent` mode; undefined when the process shares one. */
  readonly registry: Registry | undefined;
  dead: boolean;
}

const VERSION = 'sim';

export class AgentsHost {
  private readonly fleetds: SimFleetd[] = [];
  private shared: Registry | undefined;
  private heapBase = 0;
  /** Registry calls of every agent, and of every follower engine, here. */
  private readonly agentCalls: CallCounts = new Map();
  private readonly engineCalls: CallCounts = new Map();
  /** Warnings and errors of every agent here, by message. */
  private readonly agentLog: CallCounts = new Map();

  constructor(private readonly init: AgentsInit) {}

  /** Starts every simulated fleetd; resolves once every agent is registered. */
  async start(): Promise<void> {
    const c = this.init;
    this.heapBase = heapUsed(true);
    const connect = () =>
      new EtcdRegistry({ endpoints: c.endpoints, prefix: c.prefix, requestTimeoutMs: 10_000 });
    if (c.clientMode === 'shared') this.shared = connect();
    for (const m of c.machines) {
      const own = c.clientMode === 'per-agent' ? connect() : undefined;
      const registry = own ?? this.shared;
      if (registry === undefined) throw new Error('no registry');
      const systemd = new FakeSystemd({ latency: { start: c.startLatencyMs } });
      const agent = new Agent({
        registry: countCalls(registry, this.agentCalls),
        systemd,
        machine: {
          id: m.id,
          publicIP: m.publicIP,
          metadata: m.metadata,
          version: VERSION,
          capabilities: [],
        },
        ttlSeconds: c.ttlSeconds,
        logger: countingLogger(this.agentLog),
      });
      this.fleetds.push({
        id: m.id,
        agent,
        systemd,
        engine: undefined,
        registry: own,
        dead: false,
      });
      agent.start();
    }
    if (c.followerEngines) this.startEngines();
    await until(() => this.fleetds.every((f) => f.agent.registered), 120_000, 'agents registered');
  }

  /** Starts each live simulated fleetd's engine (idempotent), as fleetd runs one beside its agent. */
  startEngines(): void {
    for (const f of this.fleetds) {
      if (f.dead || f.engine !== undefined) continue;
      const registry = f.registry ?? this.shared;
      if (registry === undefined) continue;
      f.engine = new Engine({
        registry: countCalls(registry, this.engineCalls),
        candidateId: f.id,
        machineGraceMs: this.init.ttlSeconds * 1000,
      });
      f.engine.start();
    }
  }

  stats(gc: boolean): AgentsStats {
    const mem = process.memoryUsage();
    const live = this.fleetds.filter((f) => !f.dead);
    return {
      rss: mem.rss,
      heapUsed: heapUsed(gc),
      heapBase: this.heapBase,
      cpuMs: cpuMs(),
      machines: live.length,
      registered: live.filter((f) => f.agent.registered).length,
      wakeups: this.fleetds.map((f) => f.agent.metrics.assignmentChanges),
      launched: this.fleetds.map((f) => f.agent.launchedUnits().length),
      passes: sum(live.map((f) => f.agent.metrics.passes)),
      agentPhaseMs: phaseTotals(live.map((f) => f.agent.metrics.phaseMs)),
      taskFailures: sum(live.map((f) => f.agent.metrics.taskFailures)),
      reregistrations: sum(live.map((f) => Math.max(0, f.agent.metrics.registrations - 1))),
      followerReconciles: sum(live.map((f) => f.engine?.metrics.reconciles ?? 0)),
      agentCalls: Object.fromEntries(this.agentCalls),
      engineCalls: Object.fromEntries(this.engineCalls),
      agentLog: Object.fromEntries(this.agentLog),
    };
  }

  /**
   * A power cut of one simulated machine: its fleetd stops without draining or resigning and
   * renews nothing, so etcd expires its lease after the TTL, as for a dead host.
   */
  async kill(machineId: string): Promise<void> {
    const f = this.fleetds.find((x) => x.id === machineId);
    if (f === undefined) throw new Error(`no simulated machine ${machineId} here`);
    f.dead = true;
    await f.engine?.stop({ resign: false });
    await f.agent.stop();
    await f.systemd.close();
    await f.registry?.close();
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.fleetds
        .filter((f) => !f.dead)
        .map(async (f) => {
          f.dead = true;
          await f.engine?.stop();
          await f.agent.stop({ drain: false });
          await f.systemd.close();
          await f.registry?.close();
        }),
    );
    await this.shared?.close();
  }
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

async function until(ok: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The agents' phase times, summed by phase. */
function phaseTotals(all: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const times of all) for (const [k, v] of Object.entries(times)) out[k] = (out[k] ?? 0) + v;
  return out;
}
