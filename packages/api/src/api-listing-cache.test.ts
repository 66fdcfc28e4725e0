// Pagination over kept listings (listing-cache.ts) through the API: one registry read per walk of
// all pages, pages that are consistent when the registry changes in the middle of a walk, and
// nothing staler than a stateless re-list would give once a listing has expired or the API wrote.
import { DEFAULT_PREFIX, type InMemoryRegistry, type Registry } from '@fleet/registry';
import { ManualClock } from '@fleet/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { createApi, type ApiHandler, type ApiOptions } from './api.js';
import { encodePageToken } from './pagination.js';
import { Fixture, inject } from './testing/index.js';
import type { MachinePage, UnitPage, UnitStatePage } from '@fleet/client';

let fx: Fixture;
afterEach(async () => {
  await fx.close();
});

/** Range reads since the last `faults.resetCalls()`, by key relative to the prefix. */
function reads(registry: InMemoryRegistry): Record<string, number> {
  return Object.fromEntries(
    [...registry.faults.calls.rangesAt].map(([key, n]) => [key.slice(DEFAULT_PREFIX.length), n]),
  );
}

const get = async <T>(api: ApiHandler, url: string): Promise<T> => {
  const res = await inject(api, { method: 'GET', url });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${res.body}`);
  return res.json<T>();
};

const tokenOf = (page: number, limit: number) => encodePageToken({ limit, page });

/** Unit names on page `page` of GET /units. */
async function unitPage(api: ApiHandler, page: number, limit: number): Promise<string[]> {
  const url =
    page === 1 ? '/fleet/v1/units' : `/fleet/v1/units?nextPageToken=${tokenOf(page, limit)}`;
  return (await get<UnitPage>(api, url)).units.map((u) => u.name);
}

/** Every page of `path`, following nextPageToken. */
async function walk<P extends { nextPageToken?: string }>(
  api: ApiHandler,
  path: string,
): Promise<P[]> {
  const pages: P[] = [];
  let url = path;
  for (;;) {
    const page = await get<P>(api, url);
    pages.push(page);
    if (page.nextPageToken === undefined) return pages;
    url = `${path}${path.includes('?') ? '&' : '?'}nextPageToken=${page.nextPageToken}`;
  }
}

function apiOver(registry: Registry, opts: Partial<ApiOptions> = {}): ApiHandler {
  return createApi({ registry, version: '1', ...opts });
}

describe('pagination over kept listings', () => {
  it('reads each collection once for a walk of all its pages', async () => {
    fx = new Fixture();
    for (let i = 0; i < 250; i++) {
      const name = `u${String(i).padStart(3, '0')}.service`;
      await fx.unit(name, 'launched');
      await fx.assign(`m${i % 3}`, name);
      await fx.publish(`m${i % 3}`, name);
    }
    const names = (await fx.registry.listUnits()).items.map((u) => u.name);
    fx.registry.faults.resetCalls();
    const api = apiOver(fx.registry, { tokenLimit: 2 });

    const units = (await walk<UnitPage>(api, '/fleet/v1/units')).flatMap((p) => p.units);
    expect(units.map((u) => u.name)).toEqual(names);
    expect(units.every((u) => u.currentState === 'launched')).toBe(true);
    const states = (await walk<UnitStatePage>(api, '/fleet/v1/state')).flatMap((p) => p.states);
    expect(states).toHaveLength(250);
    const machines = (await walk<MachinePage>(api, '/fleet/v1/machines')).flatMap(
      (p) => p.machines,
    );
    expect(machines.map((m) => m.id)).toEqual(['m0', 'm1', 'm2']);

    // Whole collections read (listUnits reads units and their reasons), and nothing else.
    expect(reads(fx.registry)).toEqual({
      'unit/': 1,
      'reason/': 1,
      'assign/': 1,
      'state/': 2, // one for /units, one for /state
      'machine/': 1,
    });
  });

  it('gives pages that neither repeat nor skip when the registry changes mid-walk', async () => {
    fx = new Fixture();
    for (const n of ['a', 'b', 'c', 'd', 'e', 'f']) await fx.unit(`${n}.service`);
    const kept = apiOver(fx.registry, { tokenLimit: 2 });
    const stateless = apiOver(fx.registry, { tokenLimit: 2, listingMaxAgeMs: 0 });

    expect(await unitPage(kept, 1, 2)).toEqual(['a.service', 'b.service']);
    expect(await unitPage(stateless, 1, 2)).toEqual(['a.service', 'b.service']);
    // Another fleetd adds a unit that sorts first and destroys one on page 2.
    await fx.unit('0.service');
    await fx.registry.destroyUnit('c.service');

    const rest = [await unitPage(kept, 2, 2), await unitPage(kept, 3, 2)];
    expect(rest).toEqual([
      ['c.service', 'd.service'],
      ['e.service', 'f.service'],
    ]);
    // fleet's stateless re-list repeats b and skips c (and, without the change, f would follow).
    expect(await unitPage(stateless, 2, 2)).toEqual(['b.service', 'd.service']);
    expect(await unitPage(stateless, 3, 2)).toEqual(['e.service', 'f.service']);

    // A new walk starts at page 1, which always reads afresh.
    expect(await unitPage(kept, 1, 2)).toEqual(['0.service', 'a.service']);
    expect(await unitPage(kept, 2, 2)).toEqual(['b.service', 'd.service']);
  });

  it('re-reads for a later page once the listing is older than listingMaxAgeMs', async () => {
    fx = new Fixture();
    for (const n of ['a', 'b', 'c', 'd']) await fx.unit(`${n}.service`);
    const clock = new ManualClock();
    const api = apiOver(fx.registry, { tokenLimit: 2, listingMaxAgeMs: 1_000, clock });
    expect(await unitPage(api, 1, 2)).toEqual(['a.service', 'b.service']);
    await fx.unit('0.service');
    clock.advance(999);
    expect(await unitPage(api, 2, 2)).toEqual(['c.service', 'd.service']);
    clock.advance(1);
    // What a stateless re-list gives: the registry as it is now.
    expect(await unitPage(api, 2, 2)).toEqual(['b.service', 'c.service']);
  });

  it('shows writes made through the API on the next page', async () => {
    fx = new Fixture();
    for (const n of ['a', 'b', 'c', 'd']) await fx.unit(`${n}.service`);
    const api = apiOver(fx.registry, { tokenLimit: 2 });
    const put = (name: string, body: unknown) =>
      inject(api, { method: 'PUT', url: `/fleet/v1/units/${name}`, body });

    expect(await unitPage(api, 1, 2)).toEqual(['a.service', 'b.service']);
    expect(
      (
        await put('0.service', {
          desiredState: 'inactive',
          options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }],
        })
      ).status,
    ).toBe(201);
    expect(await unitPage(api, 2, 2)).toEqual(['b.service', 'c.service']);

    expect(await unitPage(api, 1, 2)).toEqual(['0.service', 'a.service']);
    expect((await inject(api, { method: 'DELETE', url: '/fleet/v1/units/0.service' })).status).toBe(
      204,
    );
    expect(await unitPage(api, 2, 2)).toEqual(['c.service', 'd.service']);

    expect(await unitPage(api, 1, 2)).toEqual(['a.service', 'b.service']);
    expect((await put('d.service', { desiredState: 'loaded' })).status).toBe(204);
    const page2 = await get<UnitPage>(api, `/fleet/v1/units?nextPageToken=${tokenOf(2, 2)}`);
    expect(page2.units.map((u) => [u.name, u.desiredState])).toEqual([
      ['c.service', 'inactive'],
      ['d.service', 'loaded'],
    ]);
  });

  it('shows metadata patched through the API on the next page of machines', async () => {
    fx = new Fixture();
    for (const id of ['m1', 'm2', 'm3']) await fx.machine(id);
    const api = apiOver(fx.registry, { tokenLimit: 2 });
    await get<MachinePage>(api, '/fleet/v1/machines');
    const res = await inject(api, {
      method: 'PATCH',
      url: '/fleet/v1/machines',
      headers: { 'content-type': 'application/json' },
      body: [{ op: 'add', path: '/m3/metadata/role', value: 'db' }],
    });
    expect(res.status).toBe(204);
    const page2 = await get<MachinePage>(api, `/fleet/v1/machines?nextPageToken=${tokenOf(2, 2)}`);
    expect(page2.machines).toEqual([
      { id: 'm3', primaryIP: '127.0.0.1', metadata: { role: 'db' }, version: '9.9.9' },
    ]);
  });

  it('serves a first page fresh, always', async () => {
    fx = new Fixture();
    const api = apiOver(fx.registry);
    await fx.unit('a.service');
    fx.registry.faults.resetCalls();
    expect(await unitPage(api, 1, 100)).toEqual(['a.service']);
    await fx.unit('b.service');
    expect(await unitPage(api, 1, 100)).toEqual(['a.service', 'b.service']);
    expect(reads(fx.registry)['unit/']).toBe(2);
  });

  it('shares one read among later pages requested at once', async () => {
    fx = new Fixture();
    for (let i = 0; i < 10; i++) await fx.unit(`u${i}.service`);
    fx.registry.faults.resetCalls();
    const api = apiOver(fx.registry, { tokenLimit: 2 });
    const pages = await Promise.all(
      [2, 3, 4, 5].map((p) => get<UnitPage>(api, `/fleet/v1/units?nextPageToken=${tokenOf(p, 2)}`)),
    );
    expect(pages.map((p) => p.units.map((u) => u.name))).toEqual([
      ['u2.service', 'u3.service'],
      ['u4.service', 'u5.service'],
      ['u6.service', 'u7.service'],
      ['u8.service', 'u9.service'],
    ]);
    expect(reads(fx.registry)['unit/']).toBe(1);
  });

  it('keeps listings of different state filters apart', async () => {
    fx = new Fixture();
    for (const n of ['a', 'b']) await fx.unit(`${n}.service`);
    await fx.publish('m1', 'a.service');
    await fx.publish('m2', 'a.service');
    await fx.publish('m1', 'b.service');
    const api = apiOver(fx.registry, { tokenLimit: 1 });
    const names = (p: UnitStatePage) => p.states.map((s) => `${s.name}@${s.machineID}`);
    expect(names(await get(api, '/fleet/v1/state?unitName=b.service'))).toEqual(['b.service@m1']);
    expect(names(await get(api, '/fleet/v1/state?machineID=m1'))).toEqual(['a.service@m1']);
    const t = tokenOf(2, 1);
    expect(names(await get(api, `/fleet/v1/state?nextPageToken=${t}`))).toEqual(['a.service@m2']);
    expect(names(await get(api, `/fleet/v1/state?machineID=m1&nextPageToken=${t}`))).toEqual([
      'b.service@m1',
    ]);
  });

  it('answers 503 when the read fails, and reads again on the next request', async () => {
    fx = new Fixture();
    for (const n of ['a', 'b', 'c']) await fx.unit(`${n}.service`);
    const api = apiOver(fx.registry, { tokenLimit: 2 });
    fx.registry.faults.setUnavailable(true);
    expect((await inject(api, { method: 'GET', url: '/fleet/v1/units' })).status).toBe(503);
    const page2 = `/fleet/v1/units?nextPageToken=${tokenOf(2, 2)}`;
    expect((await inject(api, { method: 'GET', url: page2 })).status).toBe(503);
    fx.registry.faults.setUnavailable(false);
    expect((await get<UnitPage>(api, page2)).units.map((u) => u.name)).toEqual(['c.service']);
  });

  it('refuses a negative listingMaxAgeMs', () => {
    fx = new Fixture();
    expect(() => apiOver(fx.registry, { listingMaxAgeMs: -1 })).toThrow(RangeError);
  });
});
