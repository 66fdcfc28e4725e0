// The engine of the simulation, in a process of its own so that its memory and CPU are its own:
// the real Engine over its own EtcdRegistry, as the leader fleetd's engine.
import { Engine } from '@fleet/engine';
import { EtcdRegistry } from '@fleet/registry/etcd';
import { countCalls, type CallCounts } from './counting.js';
import { cpuMs, heapUsed } from './memory.js';
import type { EngineInit, EngineStats } from './protocol.js';

export class EngineHost {
  private readonly registry: EtcdRegistry;
  private readonly engine: Engine;
  private readonly heapBase: number;
  private readonly calls: CallCounts = new Map();

  constructor(init: EngineInit) {
    this.heapBase = heapUsed(true);
    this.registry = new EtcdRegistry({
      endpoints: init.endpoints,
      prefix: init.prefix,
      requestTimeoutMs: 10_000,
    });
    this.engine = new Engine({
      registry: countCalls(this.registry, this.calls),
      candidateId: init.candidateId,
      machineGraceMs: init.agentTtlSeconds * 1000,
    });
    this.engine.start();
  }

  stats(gc: boolean): EngineStats {
    const m = this.engine.metrics;
    return {
      rss: process.memoryUsage().rss,
      heapUsed: heapUsed(gc),
      heapBase: this.heapBase,
      cpuMs: cpuMs(),
      leader: this.engine.isLeader(),
      reconciles: m.reconciles,
      reconcileFailures: m.reconcileFailures,
      tasks: m.tasks,
      lastReconcileMs: m.lastReconcileMs,
      lastPass: { ...m.lastPass },
      lastTaskPass: { ...m.lastTaskPass },
      calls: Object.fromEntries(this.calls),
    };
  }

  async stop(): Promise<void> {
    await this.engine.stop();
    await this.registry.close();
  }
}
