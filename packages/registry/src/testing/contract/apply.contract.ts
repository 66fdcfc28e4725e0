// Contract: the unit epoch and applyUnits (many unit changes in one guarded write).
import { unitHash } from '@fleet/unit';
import { expect, it } from 'vitest';
import type { ContractHarness } from './harness.js';
import { options, rejectsWith, unit } from './harness.js';

/** Registers the apply tests; `h()` is the current test's harness. */
export function applyContract(h: () => ContractHarness): void {
  it('moves the unit epoch with every kind of unit change, and only then', async () => {
    const { registry } = h();
    expect(await registry.unitEpoch()).toBe('0');
    const created = await registry.createUnit(unit('web.service', 'v1'));
    expect(await registry.unitEpoch()).toBe(created.revision);
    const replaced = await registry.replaceUnit(unit('web.service', 'v2'));
    expect(await registry.unitEpoch()).toBe(replaced.revision);
    const started = await registry.setDesiredState('web.service', 'launched');
    expect(await registry.unitEpoch()).toBe(started.revision);
    // No-ops write nothing, so the epoch stays.
    await registry.setDesiredState('web.service', 'launched');
    await registry.replaceUnit(unit('web.service', 'v2', 'launched'));
    await registry.applyUnits({ setState: [{ name: 'web.service', desiredState: 'launched' }] });
    expect(await registry.unitEpoch()).toBe(started.revision);
    expect(await registry.destroyUnit('web.service')).toBe(true);
    const destroyed = BigInt(await registry.unitEpoch());
    expect(destroyed).toBeGreaterThan(BigInt(started.revision));
    // Destroying what does not exist writes nothing.
    expect(await registry.destroyUnit('web.service')).toBe(false);
    expect(BigInt(await registry.unitEpoch())).toBe(destroyed);
    const applied = await registry.applyUnits({ create: [unit('db.service')] });
    expect(applied.revision).toBe(await registry.unitEpoch());
    expect(BigInt(applied.revision)).toBeGreaterThan(destroyed);
    // The epoch is not a unit: listings and watches do not see it.
    expect((await registry.listUnits()).items.map((u) => u.name)).toEqual(['db.service']);
  });

  it('applies creates, replaces, desired states and destroys in one transaction', async () => {
    const { registry } = h();
    await registry.createUnit(unit('old.service', 'old', 'launched'));
    await registry.createUnit(unit('web.service', 'v1', 'launched'));
    await registry.createUnit(unit('db.service', 'db', 'loaded'));
    const epoch = await registry.unitEpoch();
    const res = await registry.applyUnits({
      create: [unit('new.service', 'new', 'launched'), unit('t@.service', 'tpl', 'inactive')],
      replace: [unit('web.service', 'v2', 'launched')],
      setState: [{ name: 'db.service', desiredState: 'launched' }],
      destroy: ['old.service', 'never.service'],
      checkRevision: epoch,
    });
    expect(res.batches).toBe(1);
    expect(res.revision).toBe(await registry.unitEpoch());
    const list = await registry.listUnits();
    expect(list.items.map((u) => [u.name, u.desiredState, u.revision])).toEqual([
      ['db.service', 'launched', res.revision],
      ['new.service', 'launched', res.revision],
      ['t@.service', 'inactive', res.revision],
      ['web.service', 'launched', res.revision],
    ]);
    expect(list.items.find((u) => u.name === 'web.service')?.options).toEqual(options('v2'));
    const hashes = ['db', 'new', 'tpl', 'v2'].map((s) => `content/${unitHash(options(s))}`);
    expect(await h().rawKeys('content/')).toEqual(hashes.sort());
    expect(await h().rawKeys('ref/')).toHaveLength(4);
  });

  it('stores shared contents once and collects them when an apply drops the last users', async () => {
    const { registry } = h();
    const names = Array.from({ length: 6 }, (_, i) => `web@${i}.service`);
    await registry.applyUnits({ create: names.map((n) => unit(n, 'v1', 'launched')) });
    const v1 = unitHash(options('v1'));
    expect(await h().rawKeys('content/')).toEqual([`content/${v1}`]);
    // Every instance moves to v2 at once: v1 goes, v2 is stored once.
    await registry.applyUnits({ replace: names.map((n) => unit(n, 'v2', 'launched')) });
    const v2 = unitHash(options('v2'));
    expect(await h().rawKeys('content/')).toEqual([`content/${v2}`]);
    expect(await h().rawKeys(`ref/${v2}/`)).toHaveLength(6);
    // One unit leaves v2 while a new one takes v1 back and another is destroyed: v2 stays used.
    await registry.applyUnits({
      replace: [unit('web@0.service', 'v1', 'launched')],
      create: [unit('other.service', 'v2')],
      destroy: ['web@1.service'],
    });
    expect(await h().rawKeys('content/')).toEqual([`content/${v1}`, `content/${v2}`].sort());
    expect(await registry.getContents(v2)).toEqual(options('v2'));
    // A unit leaving v1 while another joins it keeps v1.
    await registry.applyUnits({
      replace: [unit('web@0.service', 'v2', 'launched'), unit('web@2.service', 'v1', 'launched')],
    });
    expect(await registry.getContents(v1)).toEqual(options('v1'));
    const left = (await registry.listUnits()).items.map((u) => u.name);
    await registry.applyUnits({ destroy: left });
    expect(await h().rawKeys('')).toEqual(['unit-epoch']);
  });

  it('refuses a stale checkRevision after a concurrent change, writing nothing', async () => {
    const { registry } = h();
    await registry.createUnit(unit('web.service', 'v1', 'launched'));
    const planned = await registry.unitEpoch();
    // Someone else changes a unit the apply does not even touch.
    await registry.createUnit(unit('other.service'));
    const now = await registry.unitEpoch();
    const before = await h().rawKeys('');
    const err = await rejectsWith(
      registry.applyUnits({
        replace: [unit('web.service', 'v2', 'launched')],
        create: [unit('new.service')],
        checkRevision: planned,
      }),
      'REGISTRY_STALE_REVISION',
    );
    expect(err).toMatchObject({ checkRevision: planned, currentRevision: now, retryable: false });
    expect(err.message).toContain(planned);
    expect(err.message).toContain(now);
    expect(await h().rawKeys('')).toEqual(before);
    expect(await registry.unitEpoch()).toBe(now);
    expect(await registry.getUnit('web.service')).toMatchObject({ options: options('v1') });
    // Checked against the epoch now, it goes through.
    const ok = await registry.applyUnits({ create: [unit('new.service')], checkRevision: now });
    expect(BigInt(ok.revision)).toBeGreaterThan(BigInt(now));
  });

  it('refuses bad input and impossible changes before writing anything', async () => {
    const { registry } = h();
    await registry.createUnit(unit('web.service', 'v1', 'launched'));
    const before = await h().rawKeys('');
    const epoch = await registry.unitEpoch();
    const good = unit('good.service');
    const refused: [Parameters<typeof registry.applyUnits>[0], string][] = [
      [{ create: [good, unit('a/b.service')] }, 'REGISTRY_INVALID_INPUT'],
      [{ create: [good], destroy: ['good.service'] }, 'REGISTRY_INVALID_INPUT'],
      [{ create: [good], checkRevision: 'latest' }, 'REGISTRY_INVALID_INPUT'],
      [
        { create: [good], setState: [{ name: 'web.service', desiredState: 'on' as 'loaded' }] },
        'REGISTRY_INVALID_INPUT',
      ],
      [{ create: [good, unit('web.service', 'v2')] }, 'REGISTRY_UNIT_EXISTS'],
      [{ create: [good], replace: [unit('nope.service')] }, 'REGISTRY_UNIT_NOT_FOUND'],
      [
        { create: [good], setState: [{ name: 'nope.service', desiredState: 'loaded' }] },
        'REGISTRY_UNIT_NOT_FOUND',
      ],
      [
        {
          create: [
            good,
            {
              name: 'big.service',
              options: [{ section: 'Service', name: 'Environment', value: 'x'.repeat(1_600_000) }],
              desiredState: 'inactive',
            },
          ],
        },
        'REGISTRY_UNIT_TOO_LARGE',
      ],
    ];
    for (const [req, code] of refused) {
      await rejectsWith(registry.applyUnits(req), code as never);
    }
    expect(await h().rawKeys('')).toEqual(before);
    expect(await registry.unitEpoch()).toBe(epoch);
  });

  it('writes an apply too large for one transaction in batches, contents kept right', async () => {
    const { registry } = h();
    const names = Array.from({ length: 90 }, (_, i) => `web@${String(i).padStart(2, '0')}.service`);
    const seed = (i: number) => `v${i % 3}`;
    const res = await registry.applyUnits({
      create: names.map((n, i) => unit(n, seed(i), 'launched')),
      checkRevision: '0',
    });
    expect(res.batches).toBeGreaterThan(1);
    expect(res.revision).toBe(await registry.unitEpoch());
    const list = await registry.listUnits();
    expect(list.items).toHaveLength(90);
    list.items.forEach((u, i) => expect(u.options).toEqual(options(seed(i))));
    expect(await h().rawKeys('content/')).toHaveLength(3);
    expect(await h().rawKeys('ref/')).toHaveLength(90);
    // Destroyed in batches too: every content is collected with its last user.
    const gone = await registry.applyUnits({ destroy: names, checkRevision: res.revision });
    expect(gone.batches).toBeGreaterThan(1);
    expect(await h().rawKeys('')).toEqual(['unit-epoch']);
  });
}
