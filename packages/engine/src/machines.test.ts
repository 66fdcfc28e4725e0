// How the leader follows machines: a failed re-list does not forget a change (reliability review
// F10), a machine cut for longer than its TTL keeps its global units (F7), a new leader's grace
// follows the longest agent TTL (F12), and what it remembers of machines stays bounded (F11).
import type { InMemoryRegistry } from '@fleet/registry';
import { UnavailableError, type MachineSession } from '@fleet/registry';
import type { ManualClock } from '@fleet/runtime';
import { advanceUntil, settle as flush } from '@fleet/runtime/testing';
import { overriding } from '@fleet/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClusterCache } from './cluster-cache.js';
import type { Engine } from './engine.js';
import type { EngineOptions } from './engine-options.js';
import { MachineHistory } from './machine-history.js';
import { EngineBench, M1, M2, M3, machineRecord, placement, unitInput } from './testing/index.js';

describe('the leader and its machines', () => {
  let bench: EngineBench;
  let clock: ManualClock;
  let registry: InMemoryRegistry;

  beforeEach(() => {
    bench = new EngineBench();
    ({ clock, registry } = bench);
  });

  afterEach(() => bench.close());

  function start(opts: Partial<EngineOptions> = {}): Engine {
    return bench.engine(opts);
  }

  /** Runs the clock for `ms` in steps of `step`, letting the engine work. */
  const run = (ms: number, step = 100): Promise<void> => bench.run(ms, step);

  it('acts on a metadata change at the next pass even if the first re-list of machines fails', async () => {
    for (const id of [M1, M2]) await registry.registerMachine(machineRecord(id), 300);
    const faults = { list: 0 };
    const proxy = overriding(registry, {
      listMachines: () => {
        if (faults.list <= 0) return registry.listMachines();
        faults.list--;
        return Promise.reject(new UnavailableError(['http://127.0.0.1:2379']));
      },
    });
    await registry.setMachineMetadata([{ machineId: M1, key: 'role', value: 'web' }]);
    await registry.createUnit(unitInput('web.service', ['MachineMetadata=role=web']));
    start({ registry: proxy });
    await advanceUntil(clock, async () => (await placement(registry))['web.service']?.[0] === M1);
    faults.list = 1;
    await registry.setMachineMetadata([
      { machineId: M1, key: 'role', value: null },
      { machineId: M2, key: 'role', value: 'web' },
    ]);
    // The failed pass is retried after the reconcile interval (2 s), long before the resync (60 s).
    const took = await advanceUntil(
      clock,
      async () => (await placement(registry))['web.service']?.[0] === M2,
      { stepMs: 100, maxMs: 120_000 },
    );
    expect(faults.list).toBe(0);
    expect(took).toBeLessThan(10_000);
  });

  /** Registers M1 and M2 (TTL 10 s), places a global unit and x.service; returns x's machine. */
  async function cluster(opts: Partial<EngineOptions> = {}) {
    const sessions = new Map<string, MachineSession>();
    for (const id of [M1, M2])
      sessions.set(id, await registry.registerMachine(machineRecord(id), 10));
    await registry.createUnit(unitInput('g.service', ['Global=true']));
    await registry.createUnit(unitInput('x.service'));
    start({ candidateId: M2, machineGraceMs: 10_000, ...opts });
    await advanceUntil(clock, async () => {
      const p = await placement(registry);
      return p['g.service']?.length === 2 && p['x.service'] !== undefined;
    });
    const cut = (await placement(registry))['x.service']?.[0] ?? '';
    const other = cut === M1 ? M2 : M1;
    const events: string[] = [];
    const rev = (await registry.listAssignments()).revision;
    const w = registry.watchAssignments(cut, rev, (e) => {
      if (e.type === 'put') events.push(`put ${e.assignment.unit}`);
      if (e.type === 'delete') events.push(`delete ${e.unit}`);
    });
    return { sessions, cut, other, events, close: () => w.close() };
  }

  it('keeps the global units of a machine cut for longer than its TTL, and moves the rest', async () => {
    const c = await cluster();
    c.sessions.get(c.cut)?.release(); // cut from etcd: its keepalives stop, the lease runs out
    await run(30_000);
    expect((await registry.listMachines()).items.map((m) => m.id)).toEqual([c.other]);
    expect(await placement(registry)).toEqual({
      'g.service': [M1, M2],
      'x.service': [c.other],
    });
    // The link comes back: the agent registers again and finds its global unit still assigned.
    await registry.registerMachine(machineRecord(c.cut), 10);
    await run(30_000);
    await c.close();
    expect(c.events).toEqual(['delete x.service']);
    expect(await placement(registry)).toEqual({
      'g.service': [M1, M2],
      'x.service': [c.other],
    });
  });

  it('unschedules the global units of a machine that stays gone past awayGlobalsMs', async () => {
    const c = await cluster({ awayGlobalsMs: 60_000 });
    c.sessions.get(c.cut)?.release();
    await run(40_000);
    expect((await placement(registry))['g.service']).toEqual([M1, M2]);
    await run(40_000);
    await c.close();
    expect((await placement(registry))['g.service']).toEqual([c.other]);
    expect(c.events).toEqual(['delete x.service', 'delete g.service']);
  });

  it('gives machines the longest agent TTL it has read to come back after an outage, not its own', async () => {
    // Before the outage: x on M3, y on M4. Every lease expired; M2 (TTL 30 s) is back already.
    const old = await registry.campaign('old-leader', 5);
    if (old === undefined) throw new Error('no leadership');
    for (const u of ['x.service', 'y.service']) await registry.createUnit(unitInput(u));
    const hash = async (u: string) => (await registry.getUnit(u))?.hash ?? '';
    const M4 = 'd4000000000000000000000000000004';
    await registry.applyAssignments(old.token, [
      {
        kind: 'schedule',
        machineId: M3,
        unit: 'x.service',
        hash: await hash('x.service'),
        desiredState: 'launched',
      },
      {
        kind: 'schedule',
        machineId: M4,
        unit: 'y.service',
        hash: await hash('y.service'),
        desiredState: 'launched',
      },
    ]);
    await old.resign();
    await registry.registerMachine(machineRecord(M2), 30);
    // The new leader's own agent TTL is 5 s.
    await registry.registerMachine(machineRecord(M1), 5);
    const e = start({ machineGraceMs: 5_000 });
    await advanceUntil(clock, () => e.isLeader() && e.metrics.reconciles > 0);
    await run(20_000);
    expect(await placement(registry)).toEqual({ 'x.service': [M3], 'y.service': [M4] });
    // M3's agent registers again within 30 s; M4 never does.
    await registry.registerMachine(machineRecord(M3), 30);
    await run(5_000);
    expect(await placement(registry)).toEqual({ 'x.service': [M3], 'y.service': [M4] });
    const took = await advanceUntil(
      clock,
      async () => (await placement(registry))['y.service']?.[0] !== M4,
      { stepMs: 100 },
    );
    expect(took).toBeLessThan(10_000); // the grace ends 30 s after the election, not later
    expect((await placement(registry))['x.service']).toEqual([M3]);
  });

  it('forgets machines that come and go: what it remembers stays bounded', async () => {
    const history = new MachineHistory(clock);
    const cache = await ClusterCache.load(
      registry,
      () => undefined,
      () => undefined,
      history,
    );
    let most = 0;
    for (let round = 0; round < 50; round++) {
      const ids = Array.from({ length: 10 }, (_, i) =>
        (round * 10 + i).toString(16).padStart(32, 'e'),
      );
      const sessions = await Promise.all(
        ids.map((id) => registry.registerMachine(machineRecord(id), 10)),
      );
      await flush();
      await cache.snapshot();
      most = Math.max(most, history.size);
      await Promise.all(sessions.map((s) => s.close()));
      await flush();
      await cache.snapshot();
      most = Math.max(most, history.size);
    }
    await cache.close();
    expect(most).toBe(10);
    expect(history.size).toBe(0);
  });
});
