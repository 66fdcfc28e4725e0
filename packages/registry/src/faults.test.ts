// The in-memory registry's fault handle: an unreachable store, one failed call, call counts.
import { ManualClock } from '@fleet/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { machine, unit } from './testing/index.js';
import { isRegistryError, UnavailableError } from './errors.js';
import { InMemoryRegistry } from './inmemory-registry.js';
import { DEFAULT_PREFIX } from './keys.js';

let registry: InMemoryRegistry;
afterEach(async () => {
  registry.faults.setUnavailable(false);
  await registry.close();
});

describe('InMemoryRegistry faults', () => {
  it('fails every call with a retryable UnavailableError naming memory, and writes nothing', async () => {
    registry = new InMemoryRegistry({ clock: new ManualClock() });
    registry.faults.setUnavailable(true);
    const calls = [
      registry.createUnit(unit('a.service')),
      registry.getUnit('a.service'),
      registry.listAssignments(),
      registry.registerMachine(machine('m1'), 10),
      registry.campaign('e', 10),
      registry.setMachineMetadata([{ machineId: 'm1', key: 'k', value: 'v' }]),
    ];
    for (const call of calls) {
      const err = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UnavailableError);
      expect(isRegistryError(err, 'REGISTRY_UNAVAILABLE')).toBe(true);
      expect((err as UnavailableError).retryable).toBe(true);
      expect((err as Error).message).toBe('etcd is unavailable at memory');
    }
    registry.faults.setUnavailable(false);
    expect(await registry.getUnit('a.service')).toBeUndefined();
    expect((await registry.listMachines()).items).toEqual([]);
    expect(await registry.getLeader()).toBeUndefined();
    await registry.createUnit(unit('a.service'));
    expect((await registry.getUnit('a.service'))?.name).toBe('a.service');
  });

  it('fails the next call of one kind with the given error, once per failNext', async () => {
    registry = new InMemoryRegistry({ clock: new ManualClock() });
    const boom = new Error('disk on fire');
    registry.faults.failNext('txn', boom);
    registry.faults.failNext('txn', boom);
    expect((await registry.listMachines()).items).toEqual([]); // range reads are not affected
    await expect(registry.createUnit(unit('a.service'))).rejects.toBe(boom);
    await expect(registry.createUnit(unit('a.service'))).rejects.toBe(boom);
    await registry.createUnit(unit('a.service'));
    expect((await registry.listUnits()).items.map((u) => u.name)).toEqual(['a.service']);
  });

  it('counts calls, the keys they read and where range reads start', async () => {
    registry = new InMemoryRegistry({ clock: new ManualClock() });
    for (const n of ['a', 'b', 'c']) await registry.createUnit(unit(`${n}.service`));
    registry.faults.resetCalls();
    await registry.getUnit('b.service');
    const after = registry.faults.calls;
    expect(after.counts.txn + after.counts.range).toBeGreaterThan(0);
    expect(after.counts.grantLease).toBe(0);
    registry.faults.resetCalls();
    const listed = await registry.listUnits();
    expect(listed.items).toHaveLength(3);
    const { counts, keysRead, rangesAt } = registry.faults.calls;
    expect(counts.txn).toBe(0);
    expect(keysRead).toBeGreaterThanOrEqual(3);
    expect(rangesAt.get(`${DEFAULT_PREFIX}unit/`)).toBe(1);
  });
});
