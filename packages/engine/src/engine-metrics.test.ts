// What the engine counts for fleetd's /metrics: tasks by type, units by desired state and waiting
// units while it leads, each pass's duration; forgotten when the term ends.
import { advanceBy } from '@fleet/runtime/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineBench, M1, M2, unitInput } from './testing/index.js';

describe('Engine metrics', () => {
  let bench: EngineBench;

  beforeEach(() => {
    bench = new EngineBench();
  });

  afterEach(() => bench.close());

  it('counts tasks by type, units by desired state and waiting units; times every pass', async () => {
    await bench.register([M1, M2]);
    await bench.registry.createUnit(unitInput('a.service'));
    await bench.registry.createUnit(unitInput('b.service', [], 'loaded'));
    await bench.registry.createUnit(unitInput('c.service', ['MachineID=nowhere']));
    await bench.registry.createUnit(unitInput('d.service', [], 'inactive'));
    const e = bench.engine();
    const passes: number[] = [];
    e.metrics.onPass = (ms) => passes.push(ms);
    await bench.until(async () => Object.keys(await bench.placement()).length === 2);
    await advanceBy(bench.clock, 1_000);
    expect(e.metrics.tasksByType).toEqual({ schedule: 2 });
    expect(e.metrics.unitStates?.()).toEqual({ launched: 2, loaded: 1, inactive: 1 });
    expect(e.metrics.waiting).toBe(1);
    expect(passes.length).toBe(e.metrics.reconciles + e.metrics.reconcileFailures);
    expect(passes.length).toBeGreaterThan(0);

    await bench.registry.destroyUnit('a.service');
    await advanceBy(bench.clock, 1_000);
    expect(e.metrics.tasksByType).toEqual({ schedule: 2, unschedule: 1 });
    expect(e.metrics.unitStates?.()).toEqual({ launched: 1, loaded: 1, inactive: 1 });

    const stopped = e.stop();
    bench.clock.advance(10_000);
    await stopped;
    expect(e.metrics.leaderSince).toBeUndefined();
    expect(e.metrics.unitStates).toBeUndefined();
    expect(e.metrics.waiting).toBe(0);
  });
});
