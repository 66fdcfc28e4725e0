import { advanceBy, advanceUntil, settle } from '@fleet/runtime/testing';
import { UnavailableError, type Registry } from '@fleet/registry';
import { overriding } from '@fleet/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineBench, M1, M2, M3, unitInput } from './testing/index.js';

describe('Engine: passes over the changed units only', () => {
  let bench: EngineBench;

  beforeEach(() => {
    bench = new EngineBench();
  });

  afterEach(() => bench.close());

  /** An engine leading over M1 and M2 that placed a.service (on M1) and c.service (on M2). */
  async function settled() {
    await bench.register([M1, M2]);
    await bench.registry.createUnit(unitInput('a.service'));
    await bench.registry.createUnit(unitInput('c.service'));
    const e = bench.engine();
    await advanceUntil(bench.clock, async () => Object.keys(await bench.placement()).length === 2);
    expect(await bench.placement()).toEqual({ 'a.service': [M1], 'c.service': [M2] });
    // The in-memory registry echoes the engine's writes before their commit returns: that echo
    // asks for one more (full) pass, which finds nothing to do.
    await advanceBy(bench.clock, 1_000);
    expect(e.metrics.lastPass.kind).toBe('full');
    return e;
  }

  it('plans a new unit alone, at once (no debounce), by the same rules as a full pass', async () => {
    const e = await settled();
    const passes = e.metrics.reconciles;
    // Both machines carry one unit; the tie goes to M1, but b.service conflicts with a.service.
    await bench.registry.createUnit(unitInput('b.service', ['Conflicts=a.service']));
    // The clock does not move: a debounced pass would not have run.
    await settle(50);
    expect(await bench.placement()).toEqual({
      'a.service': [M1],
      'b.service': [M2],
      'c.service': [M2],
    });
    expect(e.metrics.reconciles).toBe(passes + 1);
    expect(e.metrics.lastPass.kind).toBe('changes');
  });

  it('plans a new desired state alone: an update of the unit assignment', async () => {
    const e = await settled();
    await bench.registry.setDesiredState('a.service', 'loaded');
    await settle(50);
    const a = (await bench.registry.listAssignments(M1)).items.find((x) => x.unit === 'a.service');
    expect(a?.desiredState).toBe('loaded');
    expect(e.metrics.lastPass.kind).toBe('changes');
  });

  it('plans in full after a machine joined, then alone again', async () => {
    const e = await settled();
    await bench.register([M3]);
    await bench.registry.createUnit(unitInput('b.service'));
    await advanceUntil(
      bench.clock,
      async () => (await bench.placement())['b.service'] !== undefined,
    );
    expect((await bench.placement())['b.service']).toEqual([M3]);
    expect(e.metrics.lastTaskPass.kind).toBe('full');
    await advanceBy(bench.clock, 1_000); // the echo's pass (see settled)
    await bench.registry.createUnit(unitInput('d.service'));
    await settle(50);
    expect((await bench.placement())['d.service']).toEqual([M1]);
    expect(e.metrics.lastPass.kind).toBe('changes');
  });

  it('plans a unit whose contents could not be read at the next pass, in full', async () => {
    let fail = 0;
    const registry = overriding<Registry>(bench.registry, {
      getContentsMany: (...a: Parameters<Registry['getContentsMany']>) =>
        fail-- > 0
          ? Promise.reject(new UnavailableError(['http://127.0.0.1:1']))
          : bench.registry.getContentsMany(...a),
    });
    await bench.register([M1, M2]);
    await bench.registry.createUnit(unitInput('a.service'));
    // No periodic re-list within the test: it would plan the unit in full anyway.
    const e = bench.engine({ registry, random: () => 0.5, resyncIntervalMs: 3_600_000 });
    await advanceUntil(
      bench.clock,
      async () => (await bench.placement())['a.service'] !== undefined,
    );
    await advanceBy(bench.clock, 1_000); // the echo's pass (see settled)
    fail = 1;
    await bench.registry.createUnit(unitInput('b.service'));
    await settle(50);
    expect(e.metrics.reconcileFailures).toBe(1);
    // After the backoff, the unit whose contents were not read is planned all the same.
    await advanceUntil(
      bench.clock,
      async () => (await bench.placement())['b.service'] !== undefined,
    );
    expect(await bench.placement()).toEqual({ 'a.service': [M1], 'b.service': [M2] });
    expect(e.metrics.lastTaskPass.kind).toBe('full');
  });
});
