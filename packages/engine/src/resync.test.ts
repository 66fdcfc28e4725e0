// The leader's periodic resync re-lists the cluster under its open watches: at idle no watch is
// opened or closed, and a change that lands while the listing is read is not lost.
import type { Registry, Watch } from '@fleet/registry';
import { overriding } from '@fleet/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ListingGate } from './listing-gate.js';
import { EngineBench, M1, M2, unitInput } from './testing/index.js';

const MINUTE = 60_000;

describe("the leader's periodic resync", () => {
  let bench: EngineBench;
  /** Registry calls by name; watches opened and closed. */
  let calls: Map<string, number>;
  let watches: { opened: number; closed: number };
  /** Called after each listUnits has read its listing, before it returns. */
  let afterListUnits: (n: number) => Promise<void>;

  beforeEach(async () => {
    bench = new EngineBench();
    await bench.register([M1, M2]);
    calls = new Map();
    watches = { opened: 0, closed: 0 };
    afterListUnits = async () => {};
  });

  afterEach(() => bench.close());

  /** The bench's registry, counting every call and watch. */
  function counted(): Registry {
    const r = bench.registry;
    const count = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
    const watched =
      <A extends unknown[]>(name: string, open: (...a: A) => Watch) =>
      (...a: A): Watch => {
        count(name);
        watches.opened++;
        const w = open(...a);
        return { close: () => (watches.closed++, w.close()) };
      };
    const base = overriding<Registry>(r, {
      watchUnits: watched('watchUnits', (...a: Parameters<Registry['watchUnits']>) =>
        r.watchUnits(...a),
      ),
      watchMachines: watched('watchMachines', (...a: Parameters<Registry['watchMachines']>) =>
        r.watchMachines(...a),
      ),
      watchAssignments: watched(
        'watchAssignments',
        (...a: Parameters<Registry['watchAssignments']>) => r.watchAssignments(...a),
      ),
      listUnits: async (...a: Parameters<Registry['listUnits']>) => {
        count('listUnits');
        const listing = await r.listUnits(...a);
        await afterListUnits(calls.get('listUnits') ?? 0);
        return listing;
      },
    });
    return new Proxy(base, {
      get(t, prop) {
        const v: unknown = Reflect.get(t, prop, t);
        if (typeof v !== 'function' || typeof prop !== 'string') return v;
        if (['watchUnits', 'watchMachines', 'watchAssignments', 'listUnits'].includes(prop))
          return v;
        return (...a: unknown[]) => (count(prop), (v as (...b: unknown[]) => unknown)(...a));
      },
    });
  }

  it('opens its three watches once and re-lists every minute under them, nothing else at idle', async () => {
    await bench.registry.createUnit(unitInput('a.service'));
    const e = bench.engine({ registry: counted() });
    await bench.until(async () => (await bench.placement())['a.service'] !== undefined);
    const before = new Map(calls);
    await bench.run(10 * MINUTE, 1_000);
    expect(e.isLeader()).toBe(true);
    expect(watches).toEqual({ opened: 3, closed: 0 });
    const during = [...calls].map(([k, n]) => [k, n - (before.get(k) ?? 0)]).filter(([, n]) => n);
    // One listing of each kind per minute; the 1 s wake-ups cost no request.
    expect(Object.fromEntries(during)).toEqual({
      listUnits: 10,
      listMachines: 10,
      listAssignments: 10,
    });
  });

  it('does not lose a unit created while the re-list reads its listing', async () => {
    const e = bench.engine({ registry: counted() });
    await bench.until(() => e.isLeader());
    let createdAt: number | undefined;
    afterListUnits = async (n) => {
      if (n !== 2) return; // the first re-list
      await bench.registry.createUnit(unitInput('late.service'));
      createdAt = bench.clock.monotonic();
    };
    await bench.until(() => createdAt !== undefined, { stepMs: 1_000, maxMs: 2 * MINUTE });
    const took = await bench.until(
      async () => (await bench.placement())['late.service'] !== undefined,
      { stepMs: 100, maxMs: 3 * MINUTE },
    );
    expect(took).toBeLessThan(1_000); // at its event, not at the next resync a minute on
    expect(watches).toEqual({ opened: 3, closed: 0 });
  });
});

describe('ListingGate', () => {
  const gate = () => {
    const applied: number[] = [];
    const g = new ListingGate<{ revision: string }>((e) => applied.push(Number(e.revision)));
    return { g, applied, ev: (n: number) => g.deliver({ revision: String(n) }) };
  };

  it('holds events during a re-list, then applies only those newer than the listing', () => {
    const { g, applied, ev } = gate();
    ev(3);
    g.hold();
    ev(5);
    ev(12);
    expect(applied).toEqual([3]);
    g.listed('10');
    expect(applied).toEqual([3, 12]);
    ev(9); // older than the listing: a late echo
    ev(13);
    expect(applied).toEqual([3, 12, 13]);
  });

  it('applies the held events to the old state when the re-list fails', () => {
    const { g, applied, ev } = gate();
    g.hold();
    ev(5);
    ev(6);
    g.release();
    expect(applied).toEqual([5, 6]);
  });
});
