// `?names=a,b` on GET /units and GET /state (beyond fleet's v1 API): only the named units, in
// the listing's order and pages; without it (or empty) the listings are fleet's, unchanged.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fixture } from './testing/index.js';
import type { UnitPage, UnitStatePage } from '@fleet/client';

let fx: Fixture;
beforeEach(async () => {
  fx = new Fixture();
  // 250 units: three pages of fleet's 100.
  for (let i = 0; i < 250; i++) await fx.unit(`u${String(i).padStart(3, '0')}.service`);
  await fx.publish('m1', 'u007.service');
  await fx.publish('m2', 'u007.service');
  await fx.publish('m1', 'u200.service');
  await fx.publish('m1', 'u100.service');
});
afterEach(() => fx.close());

const unitNames = (p: UnitPage) => p.units.map((u) => u.name);
const stateNames = (p: UnitStatePage) => p.states.map((s) => `${s.name}@${s.machineID}`);

describe('GET /units?names=', () => {
  it('answers only the named units, sorted, in one page', async () => {
    const res = await fx.request(
      'GET',
      '/fleet/v1/units?names=u200.service,u007.service,nope.service,u249.service',
    );
    expect(res.status).toBe(200);
    const page = res.json<UnitPage>();
    expect(unitNames(page)).toEqual(['u007.service', 'u200.service', 'u249.service']);
    expect(page.nextPageToken).toBeUndefined();
  });

  it('adds up repeated parameters (?names=a&names=b), as HTTP clients send lists', async () => {
    const res = await fx.request(
      'GET',
      '/fleet/v1/units?names=u200.service&names=u007.service,u249.service&names=',
    );
    expect(unitNames(res.json<UnitPage>())).toEqual([
      'u007.service',
      'u200.service',
      'u249.service',
    ]);
  });

  it('pages a long filter as any listing', async () => {
    const names = Array.from(
      { length: 150 },
      (_, i) => `u${String(i + 50).padStart(3, '0')}.service`,
    );
    const first = (
      await fx.request('GET', `/fleet/v1/units?names=${names.join(',')}`)
    ).json<UnitPage>();
    expect(unitNames(first)).toEqual(names.slice(0, 100));
    const token = first.nextPageToken ?? '';
    const second = (
      await fx.request('GET', `/fleet/v1/units?names=${names.join(',')}&nextPageToken=${token}`)
    ).json<UnitPage>();
    expect(unitNames(second)).toEqual(names.slice(100));
    expect(second.nextPageToken).toBeUndefined();
  });

  it('lists every unit without it, or with it empty (fleet v1)', async () => {
    for (const url of ['/fleet/v1/units', '/fleet/v1/units?names=']) {
      const page = (await fx.request('GET', url)).json<UnitPage>();
      expect(page.units).toHaveLength(100);
      expect(page.nextPageToken).toBeDefined();
    }
  });
});

describe('?names= pieces sent at once', () => {
  it('share one read of the collection (a client splits 1,000 names into pieces of 2 kB)', async () => {
    const pieces = [0, 50, 100, 150, 200].map((from) =>
      Array.from({ length: 50 }, (_, i) => `u${String(from + i).padStart(3, '0')}.service`),
    );
    const once = async (names: readonly string[]) =>
      unitNames(
        (await fx.request('GET', `/fleet/v1/units?names=${names.join(',')}`)).json<UnitPage>(),
      );
    fx.registry.faults.resetCalls();
    expect(await once(pieces[0] ?? [])).toEqual(pieces[0]);
    const alone = fx.registry.faults.calls.counts.range;
    fx.registry.faults.resetCalls();
    expect(await Promise.all(pieces.map(once))).toEqual(pieces);
    // Five pieces at once: the ranges of one listing, not of five.
    expect(fx.registry.faults.calls.counts.range).toBe(alone);
  });
});

describe('GET /state?names=', () => {
  it("answers only the named units' states, beside fleet's filters", async () => {
    const all = (
      await fx.request('GET', '/fleet/v1/state?names=u007.service,u200.service')
    ).json<UnitStatePage>();
    expect(stateNames(all)).toEqual(['u007.service@m1', 'u007.service@m2', 'u200.service@m1']);
    const onM1 = (
      await fx.request('GET', '/fleet/v1/state?machineID=m1&names=u007.service,u200.service')
    ).json<UnitStatePage>();
    expect(stateNames(onM1)).toEqual(['u007.service@m1', 'u200.service@m1']);
    const every = (await fx.request('GET', '/fleet/v1/state')).json<UnitStatePage>();
    expect(every.states).toHaveLength(4);
  });
});
