// "Where is unit U" costs O(1) keys, not O(cluster): counted on the in-memory store's calls.
import { ManualClock } from '@fleet/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { coreOf, rawAccess } from './testing/contract/raw.js';
import { InMemoryRegistry } from './inmemory-registry.js';
import { prefixEnd } from './keys.js';
import type { AssignmentOp } from './types.js';

const HASH = 'c'.repeat(40);
let registry: InMemoryRegistry;
afterEach(() => registry.close());

/** 1,000 assignments over 100 machines: u0 on m00, u1 on m01, ..., u100 on m00 again. */
async function cluster(): Promise<void> {
  registry = new InMemoryRegistry({ clock: new ManualClock() });
  const token = (await registry.campaign('engine', 10))?.token ?? '';
  const machine = (i: number) => `m${String(i % 100).padStart(2, '0')}`;
  const ops: AssignmentOp[] = Array.from({ length: 1_000 }, (_, i) => ({
    kind: 'schedule',
    machineId: machine(i),
    unit: `u${i}.service`,
    hash: HASH,
    desiredState: 'launched',
  }));
  await registry.applyAssignments(token, ops);
}

describe('placement reads', () => {
  it('reads a few keys for one unit among 1,000 assignments on 100 machines', async () => {
    await cluster();
    registry.faults.resetCalls();
    const placed = await registry.getPlacement('u517.service');
    expect(placed.items.map((a) => [a.machineId, a.unit])).toEqual([['m17', 'u517.service']]);
    const { counts, keysRead } = registry.faults.calls;
    expect(counts.txn + counts.range).toBeLessThanOrEqual(2);
    expect(keysRead).toBeLessThanOrEqual(3); // the index entry, the marker, the assignment

    // What the same answer cost before the index: the whole table.
    registry.faults.resetCalls();
    const all = await registry.listAssignments();
    expect(all.items.filter((a) => a.unit === 'u517.service')).toEqual(placed.items);
    expect(registry.faults.calls.keysRead).toBe(1_000);
  });

  it('reads the whole table once on a store whose assignments predate the index, then a few keys', async () => {
    await cluster();
    // An older release's store: the same assignments, without the index and its marker.
    const { kv, keys } = coreOf(registry);
    const index = { key: `${keys.prefix}placed`, end: prefixEnd(`${keys.prefix}placed`) };
    await kv.txn({
      compare: [],
      success: [{ type: 'delete', key: index.key, rangeEnd: index.end }],
      failure: [],
    });
    expect(await rawAccess(registry).rawKeys('placed')).toEqual([]);
    registry.faults.resetCalls();
    expect((await registry.getPlacement('u5.service')).items).toMatchObject([{ machineId: 'm05' }]);
    expect(registry.faults.calls.keysRead).toBeGreaterThanOrEqual(1_000);
    registry.faults.resetCalls();
    expect((await registry.getPlacement('u6.service')).items).toMatchObject([{ machineId: 'm06' }]);
    expect(registry.faults.calls.keysRead).toBeLessThanOrEqual(3);
  });
});
