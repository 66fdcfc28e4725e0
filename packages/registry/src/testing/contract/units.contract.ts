// Contract: units, their contents, and content garbage collection.
import { unitHash } from '@fleet/unit';
import { expect, it } from 'vitest';
import type { ContractHarness } from './harness.js';
import { options, rejectsWith, unit } from './harness.js';

/** Registers the unit tests; `h()` is the current test's harness. */
export function unitContract(h: () => ContractHarness): void {
  it('creates a unit and reads it back with its contents, hash and revision', async () => {
    const { registry } = h();
    const head = await registry.createUnit(unit('web.service', 'w', 'launched'));
    expect(head).toMatchObject({
      name: 'web.service',
      hash: unitHash(options('w')),
      desiredState: 'launched',
    });
    const got = await registry.getUnit('web.service');
    expect(got).toEqual({ ...head, options: options('w') });
    expect(await registry.getUnit('nope.service')).toBeUndefined();
  });

  it('lists units sorted by name, with the revision they were read at', async () => {
    const { registry } = h();
    for (const n of ['b.service', 'a.service', 'a.service.x.service', 'c@1.service']) {
      await registry.createUnit(unit(n));
    }
    const last = await registry.setDesiredState('b.service', 'loaded');
    const list = await registry.listUnits();
    expect(list.items.map((u) => u.name)).toEqual([
      'a.service',
      'a.service.x.service',
      'b.service',
      'c@1.service',
    ]);
    expect(BigInt(list.revision)).toBeGreaterThanOrEqual(BigInt(last.revision));
    expect(list.items[2]).toMatchObject({ desiredState: 'loaded', options: options('b.service') });
  });

  it('refuses to create a unit that exists, and changes nothing', async () => {
    const { registry } = h();
    const first = await registry.createUnit(unit('web.service', 'one'));
    const err = await rejectsWith(
      registry.createUnit(unit('web.service', 'two', 'launched')),
      'REGISTRY_UNIT_EXISTS',
    );
    expect(err).toMatchObject({ retryable: false, existing: first });
    expect(await registry.getUnit('web.service')).toMatchObject({ hash: first.hash });
  });

  it('refuses bad input with a typed error and writes nothing', async () => {
    const { registry } = h();
    await rejectsWith(registry.createUnit(unit('no-type')), 'REGISTRY_INVALID_INPUT');
    await rejectsWith(registry.createUnit(unit('a/b.service')), 'REGISTRY_INVALID_INPUT');
    const badState = { ...unit('x.service'), desiredState: 'running' as 'loaded' };
    await rejectsWith(registry.createUnit(badState), 'REGISTRY_INVALID_INPUT');
    const badOptions = { ...unit('x.service'), options: [{ section: 'Unit' }] as never };
    await rejectsWith(registry.createUnit(badOptions), 'REGISTRY_INVALID_INPUT');
    await rejectsWith(
      registry.setDesiredState('x.service', 'on' as 'loaded'),
      'REGISTRY_INVALID_INPUT',
    );
    expect((await registry.listUnits()).items).toEqual([]);
    expect(await h().rawKeys('')).toEqual([]);
  });

  it('refuses a unit too large for the store before writing anything', async () => {
    const { registry } = h();
    const big = [{ section: 'Service', name: 'Environment', value: 'x'.repeat(1_600_000) }];
    const err = await rejectsWith(
      registry.createUnit({ name: 'big.service', options: big, desiredState: 'inactive' }),
      'REGISTRY_UNIT_TOO_LARGE',
    );
    expect(err.message).toContain('big.service');
    // Shrunk to exactly the limit, the same unit is accepted by the store.
    const { bytes, limitBytes } = err as unknown as { bytes: number; limitBytes: number };
    const fits = [
      {
        section: 'Service',
        name: 'Environment',
        value: 'x'.repeat(1_600_000 - (bytes - limitBytes)),
      },
    ];
    await registry.createUnit({ name: 'fit.service', options: fits, desiredState: 'inactive' });
    expect(await registry.getUnit('fit.service')).toMatchObject({ options: fits });
    expect(await registry.destroyUnit('fit.service')).toBe(true);
    await registry.createUnit(unit('small.service'));
    await rejectsWith(
      registry.replaceUnit({ name: 'small.service', options: big, desiredState: 'inactive' }),
      'REGISTRY_UNIT_TOO_LARGE',
    );
    expect(await h().rawKeys('content/')).toHaveLength(1);
    expect((await registry.listUnits()).items.map((u) => u.name)).toEqual(['small.service']);
  });

  it('sets the desired state, writing nothing when it is unchanged', async () => {
    const { registry } = h();
    const created = await registry.createUnit(unit('web.service'));
    const loaded = await registry.setDesiredState('web.service', 'loaded');
    expect(loaded.desiredState).toBe('loaded');
    expect(BigInt(loaded.revision)).toBeGreaterThan(BigInt(created.revision));
    const again = await registry.setDesiredState('web.service', 'loaded');
    expect(again.revision).toBe(loaded.revision);
    await rejectsWith(
      registry.setDesiredState('nope.service', 'loaded'),
      'REGISTRY_UNIT_NOT_FOUND',
    );
  });

  it('replaces a unit and collects the contents nobody uses any more', async () => {
    const { registry } = h();
    const old = await registry.createUnit(unit('web.service', 'v1', 'launched'));
    const next = await registry.replaceUnit(unit('web.service', 'v2', 'inactive'));
    expect(next).toMatchObject({ hash: unitHash(options('v2')), desiredState: 'inactive' });
    expect(await registry.getUnit('web.service')).toMatchObject({ options: options('v2') });
    expect(await registry.getContents(old.hash)).toBeUndefined();
    expect(await registry.getContents(next.hash)).toEqual(options('v2'));
    expect(await h().rawKeys('content/')).toEqual([`content/${next.hash}`]);
    expect(await h().rawKeys('ref/')).toEqual([`ref/${next.hash}/web.service`]);
    const same = await registry.replaceUnit(unit('web.service', 'v2', 'inactive'));
    expect(same.revision).toBe(next.revision);
    await rejectsWith(registry.replaceUnit(unit('nope.service')), 'REGISTRY_UNIT_NOT_FOUND');
  });

  it('reads the contents of many hashes at once, leaving out those that do not exist', async () => {
    const { registry } = h();
    const heads = await Promise.all(
      Array.from({ length: 40 }, (_, i) => registry.createUnit(unit(`m${i}.service`, `v${i}`))),
    );
    const gone = heads[39]?.hash ?? '';
    await registry.destroyUnit('m39.service');
    const got = await registry.getContentsMany([...heads.map((x) => x.hash), 'f'.repeat(40)]);
    expect([...got.keys()].sort()).toEqual(
      heads
        .map((x) => x.hash)
        .filter((x) => x !== gone)
        .sort(),
    );
    expect(got.get(heads[7]?.hash ?? '')).toEqual(options('v7'));
    expect((await registry.getContentsMany([])).size).toBe(0);
  });

  it('stores shared contents once and collects them with the last unit using them', async () => {
    const { registry } = h();
    const a = await registry.createUnit(unit('a@1.service', 'shared'));
    await registry.createUnit(unit('a@2.service', 'shared'));
    expect(await h().rawKeys('content/')).toEqual([`content/${a.hash}`]);
    expect(await registry.destroyUnit('a@1.service')).toBe(true);
    expect(await registry.getContents(a.hash)).toEqual(options('shared'));
    expect(await registry.destroyUnit('a@2.service')).toBe(true);
    expect(await registry.destroyUnit('a@2.service')).toBe(false);
    // Only the unit epoch is left: it outlives the units, so it never goes back.
    expect(await h().rawKeys('')).toEqual(['unit-epoch']);
  });

  it('keeps contents exactly while referenced under concurrent creates and destroys', async () => {
    const { registry } = h();
    const names = Array.from({ length: 12 }, (_, i) => `inst@${i}.service`);
    await Promise.all(names.map((n) => registry.createUnit(unit(n, 'same'))));
    const hash = unitHash(options('same'));
    expect(await h().rawKeys('ref/')).toHaveLength(12);
    // Destroy half while re-creating others under the same contents.
    await Promise.all([
      ...names.slice(0, 6).map((n) => registry.destroyUnit(n)),
      ...names.slice(0, 3).map((n) => registry.createUnit(unit(`${n}.again.service`, 'same'))),
    ]);
    expect(await registry.getContents(hash)).toEqual(options('same'));
    const left = (await registry.listUnits()).items.map((u) => u.name);
    await Promise.all(left.map((n) => registry.destroyUnit(n)));
    // Only the unit epoch is left: it outlives the units, so it never goes back.
    expect(await h().rawKeys('')).toEqual(['unit-epoch']);
  });

  it('keeps managing a unit stored under a name no longer accepted, but creates none', async () => {
    const { registry, putRaw } = h();
    // What an older release stored: a unit named with a leading "-", its contents shared.
    const src = await registry.createUnit(unit('src.service', 's', 'inactive'));
    await putRaw(
      'unit/-H.service',
      JSON.stringify({ name: '-H.service', hash: src.hash, desiredState: 'launched' }),
    );
    await putRaw(`ref/${src.hash}/-H.service`, '');
    expect(await registry.getUnit('-H.service')).toMatchObject({ desiredState: 'launched' });
    await registry.setDesiredState('-H.service', 'loaded');
    expect((await registry.listUnits()).items.map((u) => u.name)).toContain('-H.service');
    expect(await registry.destroyUnit('-H.service')).toBe(true);
    expect(await registry.getUnit('-H.service')).toBeUndefined();
    await rejectsWith(registry.createUnit(unit('-H.service')), 'REGISTRY_INVALID_INPUT');
    await rejectsWith(registry.getUnit('a/b.service'), 'REGISTRY_INVALID_INPUT');
  });
}
