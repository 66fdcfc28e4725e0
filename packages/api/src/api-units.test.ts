import { afterEach, describe, expect, it } from 'vitest';
import { encodePageToken } from './pagination.js';
import { Fixture, GLOBAL_OPTIONS, serviceOptions } from './testing/index.js';
import type { UnitPage, WireUnit } from '@fleet/client';

let fx: Fixture;
afterEach(async () => {
  await fx.close();
});

describe('GET /units', () => {
  it('lists units sorted by name with fleet field names', async () => {
    fx = new Fixture();
    await fx.unit('b.service', 'loaded');
    await fx.unit('a.service');
    const res = await fx.request('GET', '/fleet/v1/units');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    const page = res.json<UnitPage>();
    expect(page.nextPageToken).toBeUndefined();
    expect(page.units.map((u) => u.name)).toEqual(['a.service', 'b.service']);
    expect(page.units[0]).toEqual({
      name: 'a.service',
      options: serviceOptions(),
      desiredState: 'inactive',
      currentState: 'inactive',
    });
  });

  it('answers an empty list as {"units":[]}', async () => {
    fx = new Fixture();
    const res = await fx.request('GET', '/fleet/v1/units');
    expect(res.body).toBe('{"units":[]}');
  });

  it('pages with the configured token limit, and ends without an empty page', async () => {
    fx = new Fixture({ tokenLimit: 2 });
    for (const n of ['a', 'b', 'c', 'd']) await fx.unit(`${n}.service`);
    const first = (await fx.request('GET', '/fleet/v1/units')).json<UnitPage>();
    expect(first.units.map((u) => u.name)).toEqual(['a.service', 'b.service']);
    expect(first.nextPageToken).toBe(encodePageToken({ limit: 2, page: 2 }));
    const second = (
      await fx.request('GET', `/fleet/v1/units?nextPageToken=${first.nextPageToken ?? ''}`)
    ).json<UnitPage>();
    expect(second.units.map((u) => u.name)).toEqual(['c.service', 'd.service']);
    expect(second.nextPageToken).toBeUndefined();
  });

  it('pages 100 at a time by default: 250 units are 3 pages, the second token is ZAACAA==', async () => {
    fx = new Fixture();
    for (let i = 0; i < 250; i++) await fx.unit(`u${String(i).padStart(3, '0')}.service`);
    const names: string[] = [];
    const tokens: string[] = [];
    let url = '/fleet/v1/units';
    for (;;) {
      const page = (await fx.request('GET', url)).json<UnitPage>();
      names.push(...page.units.map((u) => u.name));
      if (page.nextPageToken === undefined) break;
      tokens.push(page.nextPageToken);
      url = `/fleet/v1/units?nextPageToken=${page.nextPageToken}`;
    }
    expect(tokens).toEqual(['ZAACAA==', 'ZAADAA==']);
    expect(names).toHaveLength(250);
    expect(names).toEqual([...names].sort());
  });

  it('refuses bad tokens with 400', async () => {
    fx = new Fixture();
    const bad = async (qs: string) => (await fx.request('GET', `/fleet/v1/units?${qs}`)).json();
    expect(await bad(`nextPageToken=${encodePageToken({ limit: 10, page: 2 })}`)).toEqual({
      error: { code: 400, message: 'token limit must be 100' },
    });
    expect(await bad(`nextPageToken=${encodePageToken({ limit: 100, page: 0 })}`)).toEqual({
      error: { code: 400, message: 'token page must be greater than zero' },
    });
    expect(await bad('nextPageToken=ZAACAA==&nextPageToken=ZAACAA==')).toEqual({
      error: { code: 400, message: 'too many values for page token' },
    });
    expect((await fx.request('GET', '/fleet/v1/units?nextPageToken=%%%')).status).toBe(400);
  });

  it('shows machineID and currentState from assignments and published states', async () => {
    fx = new Fixture();
    await fx.unit('run.service', 'launched');
    await fx.unit('load.service', 'loaded');
    await fx.unit('wait.service', 'launched');
    await fx.unit('free.service', 'launched');
    await fx.assign('m1', 'run.service', 'launched');
    await fx.publish('m1', 'run.service', 'active');
    await fx.assign('m2', 'load.service', 'loaded');
    await fx.publish('m2', 'load.service', 'inactive');
    await fx.assign('m1', 'wait.service', 'launched');
    const units = (await fx.request('GET', '/fleet/v1/units')).json<UnitPage>().units;
    const view = Object.fromEntries(units.map((u) => [u.name, [u.currentState, u.machineID]]));
    expect(view).toEqual({
      'free.service': ['inactive', undefined],
      'load.service': ['loaded', 'm2'],
      'run.service': ['launched', 'm1'],
      'wait.service': ['inactive', 'm1'],
    });
  });

  it("prefers the agent's own word, and ignores a state for older content", async () => {
    fx = new Fixture();
    await fx.unit('said-loaded.service', 'launched');
    await fx.unit('old.service', 'launched');
    await fx.assign('m1', 'said-loaded.service', 'launched');
    await fx.publish('m1', 'said-loaded.service', 'active', { state: 'loaded' });
    await fx.assign('m1', 'old.service', 'launched');
    await fx.publish('m1', 'old.service', 'active', { hash: 'f'.repeat(40) });
    const units = (await fx.request('GET', '/fleet/v1/units')).json<UnitPage>().units;
    expect(units.map((u) => [u.name, u.currentState])).toEqual([
      ['old.service', 'inactive'],
      ['said-loaded.service', 'loaded'],
    ]);
  });

  it('ignores a state published by a machine the unit is not assigned to', async () => {
    fx = new Fixture();
    await fx.unit('a.service', 'launched');
    await fx.assign('m1', 'a.service');
    await fx.publish('m2', 'a.service', 'active');
    const unit = (await fx.request('GET', '/fleet/v1/units/a.service')).json<WireUnit>();
    expect([unit.currentState, unit.machineID]).toEqual(['inactive', 'm1']);
  });

  it('leaves currentState and machineID out for global units', async () => {
    fx = new Fixture();
    await fx.unit('g.service', 'launched', GLOBAL_OPTIONS);
    await fx.assign('m1', 'g.service');
    await fx.publish('m1', 'g.service');
    const unit = (await fx.request('GET', '/fleet/v1/units')).json<UnitPage>().units[0];
    expect(unit).toEqual({ name: 'g.service', options: GLOBAL_OPTIONS, desiredState: 'launched' });
  });

  it("carries the scheduler's reason when there is one", async () => {
    fx = new Fixture();
    await fx.unit('a.service', 'launched');
    await fx.reason('a.service', 'no machine matches MachineMetadata region=eu');
    const unit = (await fx.request('GET', '/fleet/v1/units/a.service')).json<WireUnit>();
    expect(unit.reason).toBe('no machine matches MachineMetadata region=eu');
  });
});

describe('names a stored unit may have but a new one may not', () => {
  it('are looked up, changed and deleted (404 when absent), but never created', async () => {
    fx = new Fixture();
    for (const name of ['-H.service', 'fleet.service', '.service']) {
      const path = `/fleet/v1/units/${name}`;
      expect((await fx.request('GET', path)).status).toBe(404);
      expect((await fx.request('DELETE', path)).status).toBe(404);
      expect((await fx.request('GET', `/fleet/v1/state/${name}`)).status).toBe(404);
      const put = await fx.request('PUT', path, { desiredState: 'launched' });
      expect(put.status).toBe(400);
      const create = await fx.request('PUT', path, {
        desiredState: 'launched',
        options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }],
      });
      expect(create.status).toBe(400);
      expect(create.json<{ error: { message: string } }>().error.message).toMatch(
        /^invalid unit name/,
      );
    }
  });
});

describe('GET /units/<name>', () => {
  it('answers the unit, or 404 unit does not exist', async () => {
    fx = new Fixture();
    await fx.unit('a.service', 'loaded');
    const ok = await fx.request('GET', '/fleet/v1/units/a.service');
    expect(ok.status).toBe(200);
    expect(ok.json<WireUnit>().desiredState).toBe('loaded');
    const missing = await fx.request('GET', '/fleet/v1/units/b.service');
    expect([missing.status, missing.json()]).toEqual([
      404,
      { error: { code: 404, message: 'unit does not exist' } },
    ]);
  });

  it('decodes percent-encoded names, and answers 400 for invalid ones', async () => {
    fx = new Fixture();
    await fx.unit('web@1.service');
    expect((await fx.request('GET', '/fleet/v1/units/web%401.service')).status).toBe(200);
    const bad = await fx.request('GET', '/fleet/v1/units/nodot');
    expect(bad.status).toBe(400);
    expect(bad.json<{ error: { message: string } }>().error.message).toMatch(
      /invalid unit name "nodot"/,
    );
    expect((await fx.request('GET', '/fleet/v1/units/%E0%A4%A')).status).toBe(400);
  });
});

describe('DELETE /units/<name>', () => {
  it('answers 204 and removes the unit, then 404', async () => {
    fx = new Fixture();
    await fx.unit('a.service');
    const res = await fx.request('DELETE', '/fleet/v1/units/a.service');
    expect([res.status, res.body]).toEqual([204, '']);
    expect(await fx.registry.getUnit('a.service')).toBeUndefined();
    const again = await fx.request('DELETE', '/fleet/v1/units/a.service');
    expect([again.status, again.json()]).toEqual([
      404,
      { error: { code: 404, message: 'unit does not exist' } },
    ]);
  });
});
