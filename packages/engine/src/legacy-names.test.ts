// A unit stored before fleet refused its name (here a leading "-") is still managed: the registry
// takes such a name for everything but creating a unit, so it is scheduled like any other unit and
// the rest of the cluster is not held up by it.
import { InMemoryRegistry, type Listing, type Registry, type Unit } from '@fleet/registry';
import { ManualClock, RecordingLogger } from '@fleet/runtime';
import { overriding } from '@fleet/testkit';
import { unitHash } from '@fleet/unit';
import { describe, expect, it } from 'vitest';
import { ClusterCache } from './cluster-cache.js';
import { newMetrics } from './metrics.js';
import { reconcileOnce } from './reconcile.js';
import { machineRecord, placement, unitInput } from './testing/index.js';

describe('units whose name is no longer accepted', () => {
  it('are scheduled like any other unit, and so is the rest', async () => {
    const clock = new ManualClock();
    const registry = new InMemoryRegistry({ clock });
    await registry.registerMachine(machineRecord('m1'), 30);
    await registry.createUnit(unitInput('good.service'));
    const legacy = unitInput('legacy.service');
    // What an older fleet stored: the same unit under a name now refused.
    const old: Unit = {
      name: '-H.service',
      hash: unitHash(legacy.options),
      desiredState: 'launched',
      options: legacy.options,
      revision: '1',
    };
    const withLegacy = overriding<Registry>(registry, {
      listUnits: async (): Promise<Listing<Unit>> => {
        const l = await registry.listUnits();
        return { ...l, items: [old, ...l.items] };
      },
    });
    const leadership = await registry.campaign('engine', 60);
    if (leadership === undefined) throw new Error('no leadership');
    const cache = await ClusterCache.load(
      withLegacy,
      () => undefined,
      () => undefined,
    );
    const logger = new RecordingLogger();
    for (let pass = 0; pass < 2; pass++) {
      await reconcileOnce(cache, withLegacy, leadership, logger, newMetrics());
    }
    expect(await placement(registry)).toEqual({ '-H.service': ['m1'], 'good.service': ['m1'] });
    expect(logger.records.filter((r) => r.level === 'warn' || r.level === 'error')).toEqual([]);
    await cache.close();
    await registry.close();
  });
});
