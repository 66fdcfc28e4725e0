// The controller of a simulation: one engine process and a few worker processes that host the
// simulated machines, all against one etcd. It knows nothing of fleet's internals beyond what
// the workers report; the cluster is observed through etcd like any client would.
import { noPassPhases } from '@fleet/engine';
import { DEFAULT_PREFIX } from '@fleet/registry';
import type { AgentsStats, ClientMode, EngineStats, SimMachine } from './protocol.js';
import { simMachine } from './machines.js';
import { WorkerProcess } from './worker-process.js';

export interface SimulationOptions {
  readonly endpoints: readonly string[];
  /** Registry key prefix (default fleet's). */
  readonly prefix?: string;
  /** Simulated machines (default 20). */
  readonly machines?: number;
  /** Worker processes hosting them (default 2). */
  readonly workers?: number;
  /** fleet's agent_ttl in seconds (default 30). */
  readonly ttlSeconds?: number;
  /** systemd's start latency per unit in ms (default 20). */
  readonly startLatencyMs?: number;
  /** One registry per worker process (default) or per simulated fleetd. */
  readonly clientMode?: ClientMode;
  /**
   * Each simulated fleetd also runs a follower engine from the start, as fleetd does (default
   * true); otherwise they start with {@link Simulation.startFollowers}.
   */
  readonly followerEngines?: boolean;
  /**
   * `later`: no engine at all until {@link Simulation.startEngine} (units submitted meanwhile
   * wait unscheduled); needs `followerEngines: false`, or a follower would lead. Default `now`.
   */
  readonly engine?: 'now' | 'later';
  /** Workers run the compiled code (`npx tsc -b` first), as production does (default false). */
  readonly compiled?: boolean;
  /** Seed of the machine IDs (default `sim`). */
  readonly seed?: string;
}

/** Everything the processes report at one moment. */
export interface SimulationStats {
  /** The engine process (all zero while there is none). */
  readonly engine: EngineStats;
  readonly workers: readonly AgentsStats[];
  /** Machine ID -> assignment changes that woke its agent so far. */
  readonly wakeups: ReadonlyMap<string, number>;
  /** Machine ID -> units its agent launched. */
  readonly launched: ReadonlyMap<string, number>;
}

interface EngineSpec {
  readonly endpoints: readonly string[];
  readonly prefix: string;
  readonly ttl: number;
  readonly compiled: boolean | undefined;
}

const NO_ENGINE: EngineStats = {
  rss: 0,
  heapUsed: 0,
  heapBase: 0,
  cpuMs: 0,
  leader: false,
  reconciles: 0,
  reconcileFailures: 0,
  tasks: 0,
  lastReconcileMs: 0,
  lastPass: noPassPhases(),
  lastTaskPass: noPassPhases(),
  calls: {},
};

export class Simulation {
  private constructor(
    readonly machines: readonly SimMachine[],
    private engine: WorkerProcess | undefined,
    private readonly workers: readonly WorkerProcess[],
    private readonly shards: readonly (readonly SimMachine[])[],
    private readonly engineSpec: EngineSpec,
  ) {}

  /**
   * Starts the engine process (and waits until it leads) unless `engine: 'later'`, then the
   * workers; resolves once every simulated machine is registered. On failure everything
   * started is stopped.
   */
  static async start(opts: SimulationOptions): Promise<Simulation> {
    const n = opts.machines ?? 20;
    const w = Math.max(1, Math.min(opts.workers ?? 2, n));
    const prefix = opts.prefix ?? DEFAULT_PREFIX;
    const ttl = opts.ttlSeconds ?? 30;
    if (opts.engine === 'later' && opts.followerEngines !== false)
      throw new Error("engine: 'later' needs followerEngines: false");
    const machines = Array.from({ length: n }, (_, i) => simMachine(i, opts.seed));
    const shards = Array.from({ length: w }, (_, k) => machines.filter((_, i) => i % w === k));
    const spec: EngineSpec = { endpoints: opts.endpoints, prefix, ttl, compiled: opts.compiled };
    const started: WorkerProcess[] = [];
    try {
      const engine = opts.engine === 'later' ? undefined : await Simulation.spawnEngine(spec);
      if (engine !== undefined) started.push(engine);
      const workers = await Promise.all(
        shards.map((_, k) => WorkerProcess.spawn(`sim worker ${k}`, opts.compiled)),
      );
      started.push(...workers);
      await Promise.all(
        workers.map((wp, k) =>
          wp.call('init', {
            role: 'agents',
            endpoints: opts.endpoints,
            prefix,
            machines: shards[k] ?? [],
            ttlSeconds: ttl,
            startLatencyMs: opts.startLatencyMs ?? 20,
            clientMode: opts.clientMode ?? 'shared',
            followerEngines: opts.followerEngines ?? true,
          }),
        ),
      );
      return new Simulation(machines, engine, workers, shards, spec);
    } catch (err) {
      await Promise.all(started.map((p) => p.stop()));
      throw err;
    }
  }

  /** Spawns the engine process and waits until it leads. */
  private static async spawnEngine(spec: EngineSpec): Promise<WorkerProcess> {
    const engine = await WorkerProcess.spawn('sim engine', spec.compiled);
    try {
      await engine.call('init', {
        role: 'engine',
        endpoints: spec.endpoints,
        prefix: spec.prefix,
        candidateId: 'sim-engine',
        agentTtlSeconds: spec.ttl,
      });
      const deadline = Date.now() + 30_000;
      while (!((await engine.call('stats', { gc: false })) as EngineStats).leader) {
        if (Date.now() > deadline) throw new Error('the simulation engine did not become leader');
        await new Promise((r) => setTimeout(r, 20));
      }
    } catch (err) {
      await engine.stop();
      throw err;
    }
    return engine;
  }

  /** With `engine: 'later'`: starts the engine process; resolves once it leads. */
  async startEngine(): Promise<void> {
    if (this.engine !== undefined) throw new Error('the engine is running already');
    this.engine = await Simulation.spawnEngine(this.engineSpec);
  }

  /** Starts every simulated fleetd's follower engine (idempotent). */
  async startFollowers(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.call('followers', {})));
  }

  /** Stats of every process; with `gc`, heaps are measured after a full collection. */
  async stats(gc = false): Promise<SimulationStats> {
    const [engine, ...workers] = (await Promise.all([
      this.engine?.call('stats', { gc }) ?? NO_ENGINE,
      ...this.workers.map((w) => w.call('stats', { gc })),
    ])) as [EngineStats, ...AgentsStats[]];
    const wakeups = new Map<string, number>();
    const launched = new Map<string, number>();
    workers.forEach((s, k) => {
      (this.shards[k] ?? []).forEach((m, i) => {
        wakeups.set(m.id, s.wakeups[i] ?? 0);
        launched.set(m.id, s.launched[i] ?? 0);
      });
    });
    return { engine, workers, wakeups, launched };
  }

  /** A power cut of one simulated machine (its lease expires after the TTL). */
  async killMachine(machineId: string): Promise<void> {
    const k = this.shards.findIndex((s) => s.some((m) => m.id === machineId));
    const w = this.workers[k];
    if (w === undefined) throw new Error(`no simulated machine ${machineId}`);
    await w.call('kill', { machineId });
  }

  /** Stops every process (machines are not drained: their leases are left to expire). */
  async stop(): Promise<void> {
    const all = [...this.workers, ...(this.engine === undefined ? [] : [this.engine])];
    await Promise.all(all.map((w) => w.stop()));
  }
}
