// A scheduled unit whose [X-Fleet] requirements change must not stall the engine: the planner
// once planned an unschedule and a schedule of one assignment in one pass, the registry refused
// the whole batch, and every later pass failed alike, so no unit anywhere was scheduled again.
import { InMemoryRegistry, type Assignment, type Listing, type Registry } from '@fleet/registry';
import { ManualClock, RecordingLogger } from '@fleet/runtime';
import { overriding } from '@fleet/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClusterCache } from './cluster-cache.js';
import { newMetrics } from './metrics.js';
import { reconcileOnce } from './reconcile.js';
import { advanceUntil } from '@fleet/runtime/testing';
import { EngineBench, M1, M2, machineRecord, placement, unitInput } from './testing/index.js';

describe('Engine: requirements of a scheduled unit change', () => {
  let bench: EngineBench;
  let clock: ManualClock;
  let registry: InMemoryRegistry;

  beforeEach(async () => {
    bench = new EngineBench();
    ({ clock, registry } = bench);
    await bench.register([M1, M2]);
  });

  afterEach(async () => {
    for (const s of bench.sessions) await s.close();
    await bench.close();
  });

  it('keeps scheduling the other units, and gives the changed unit its new contents', async () => {
    const log = new RecordingLogger();
    const engine = bench.engine({ logger: log });
    await registry.createUnit(unitInput('a.service'));
    await advanceUntil(clock, async () => (await placement(registry))['a.service'] !== undefined, {
      what: 'a.service scheduled',
    });
    const host = (await placement(registry))['a.service']?.[0];
    // Batch 1: a.service now follows a new unit, b.service; c.service is unrelated.
    await registry.replaceUnit(unitInput('a.service', ['MachineOf=b.service']));
    await registry.createUnit(unitInput('b.service'));
    await registry.createUnit(unitInput('c.service'));
    await advanceUntil(
      clock,
      async () => {
        const p = await placement(registry);
        return p['b.service'] !== undefined && p['c.service'] !== undefined;
      },
      { what: 'b.service and c.service scheduled' },
    );
    const wanted = (await registry.getUnit('a.service'))?.hash;
    await advanceUntil(
      clock,
      async () =>
        (await registry.listAssignments()).items.find((x) => x.unit === 'a.service')?.hash ===
        wanted,
      { what: 'a.service given its new contents' },
    );
    const p = await placement(registry);
    expect(p['a.service']).toEqual([host]);
    expect(p['b.service']).toEqual([host]);
    expect(engine.metrics.taskFailures).toBe(0);
    expect(log.records.filter((r) => r.level === 'error')).toEqual([]);
  });
});

describe('reconcileOnce: one unit refused by the registry', () => {
  it("writes the other units' tasks, and reports the refused ones", async () => {
    const clock = new ManualClock();
    const registry = new InMemoryRegistry({ clock });
    const session = await registry.registerMachine(machineRecord(M1), 30);
    await registry.createUnit(unitInput('a.service'));
    await registry.createUnit(unitInput('b.service'));
    // An assignment stored by an older writer under a machine ID the registry now refuses: its
    // unschedule is invalid input, and used to take the whole plan down with it.
    const stale: Assignment = {
      unit: 'old.service',
      machineId: 'machine-é',
      hash: 'f'.repeat(40),
      desiredState: 'launched',
      revision: '1',
    };
    const withStale = overriding<Registry>(registry, {
      listAssignments: async (machineId?: string): Promise<Listing<Assignment>> => {
        const l = await registry.listAssignments(machineId);
        return { ...l, items: [...l.items, stale] };
      },
    });
    const leadership = await registry.campaign('engine', 60);
    if (leadership === undefined) throw new Error('no leadership');
    const cache = await ClusterCache.load(
      withStale,
      () => undefined,
      () => undefined,
    );
    const log = new RecordingLogger();
    const metrics = newMetrics();
    try {
      const r = await reconcileOnce(cache, withStale, leadership, log, metrics);
      expect(await placement(registry)).toEqual({ 'a.service': [M1], 'b.service': [M1] });
      expect(r.refused).toBe(1);
      expect(r.tasks.map((t) => t.unit)).toEqual(['a.service', 'b.service']);
      expect(metrics.taskFailures).toBe(1);
      expect(metrics.tasks).toBe(2);
      const errors = log.records.filter((x) => x.level === 'error');
      expect(errors.map((x) => [x.msg, x.fields.unit])).toEqual([
        ['the registry refused the tasks of this unit', 'old.service'],
      ]);
    } finally {
      await cache.close();
      await session.close();
      await registry.close();
    }
  });
});
