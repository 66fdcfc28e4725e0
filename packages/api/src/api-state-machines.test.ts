import { afterEach, describe, expect, it } from 'vitest';
import { MAX_METADATA_KEY_LENGTH, MAX_METADATA_VALUE_BYTES } from './metadata-patch.js';
import { Fixture, snapshot } from './testing/index.js';
import type { MachinePage, UnitStatePage, WireUnitState } from '@fleet/client';

let fx: Fixture;
afterEach(async () => {
  await fx.close();
});

const err = (code: number, message: string) => ({ error: { code, message } });

async function withStates(): Promise<void> {
  await fx.unit('a.service');
  await fx.unit('b.service');
  await fx.publish('m2', 'a.service', 'active');
  await fx.publish('m1', 'a.service', 'failed');
  await fx.publish('m1', 'b.service', 'active');
}

describe('GET /state', () => {
  it('lists states sorted by unit then machine, with fleet field names', async () => {
    fx = new Fixture();
    await withStates();
    const page = (await fx.request('GET', '/fleet/v1/state')).json<UnitStatePage>();
    expect(page.states.map((s) => [s.name, s.machineID])).toEqual([
      ['a.service', 'm1'],
      ['a.service', 'm2'],
      ['b.service', 'm1'],
    ]);
    const hash = (await fx.registry.getUnit('a.service'))?.hash;
    expect(page.states[0]).toEqual({
      name: 'a.service',
      hash,
      machineID: 'm1',
      systemdLoadState: 'loaded',
      systemdActiveState: 'failed',
      systemdSubState: 'dead',
    });
  });

  it("adds the agent's own state when it published one (not in fleet; fleet's clients ignore it)", async () => {
    fx = new Fixture();
    await fx.unit('a.service');
    await fx.publish('m1', 'a.service', 'inactive', { state: 'launched' });
    const [state] = (await fx.request('GET', '/fleet/v1/state')).json<UnitStatePage>().states;
    expect(state).toMatchObject({ systemdActiveState: 'inactive', state: 'launched' });
  });

  it('filters by machineID and unitName (exact, first value, empty = no filter)', async () => {
    fx = new Fixture();
    await withStates();
    const list = async (qs: string) =>
      (await fx.request('GET', `/fleet/v1/state?${qs}`))
        .json<UnitStatePage>()
        .states.map((s) => `${s.name}@${s.machineID}`);
    expect(await list('machineID=m1')).toEqual(['a.service@m1', 'b.service@m1']);
    expect(await list('unitName=a.service')).toEqual(['a.service@m1', 'a.service@m2']);
    expect(await list('unitName=a.service&machineID=m2')).toEqual(['a.service@m2']);
    expect(await list('machineID=m1&machineID=m2')).toEqual(['a.service@m1', 'b.service@m1']);
    expect(await list('machineID=')).toHaveLength(3);
    expect(await list('machineID=m')).toEqual([]);
    expect(await list('unitName=a')).toEqual([]);
    expect(await list('machineID=a%2Fb')).toEqual([]);
  });

  it('pages', async () => {
    fx = new Fixture({ tokenLimit: 2 });
    await withStates();
    const first = (await fx.request('GET', '/fleet/v1/state?machineID=')).json<UnitStatePage>();
    expect(first.states).toHaveLength(2);
    const second = (
      await fx.request('GET', `/fleet/v1/state?nextPageToken=${first.nextPageToken ?? ''}`)
    ).json<UnitStatePage>();
    expect(second).toEqual({ states: [expect.objectContaining({ name: 'b.service' })] });
  });
});

describe('GET /state/<name>', () => {
  it("answers the first machine's state, or 404", async () => {
    fx = new Fixture();
    await withStates();
    const res = await fx.request('GET', '/fleet/v1/state/a.service');
    expect(res.json<WireUnitState>().machineID).toBe('m1');
    const missing = await fx.request('GET', '/fleet/v1/state/c.service');
    expect([missing.status, missing.json()]).toEqual([404, err(404, 'unit state does not exist')]);
    expect((await fx.request('GET', '/fleet/v1/state/bad')).status).toBe(400);
  });
});

describe('GET /machines', () => {
  it("lists live machines sorted by ID as fleet's {id, primaryIP, metadata} plus version, omitting empty fields", async () => {
    fx = new Fixture();
    await fx.machine('m2', '127.0.0.2', { region: 'eu' });
    await fx.machine('m1', '');
    const page = (await fx.request('GET', '/fleet/v1/machines')).json<MachinePage>();
    expect(page).toEqual({
      machines: [
        { id: 'm1', version: '9.9.9' },
        { id: 'm2', primaryIP: '127.0.0.2', metadata: { region: 'eu' }, version: '9.9.9' },
      ],
    });
  });

  it('carries the health record each agent published', async () => {
    fx = new Fixture();
    const s = await fx.machine('m1', '127.0.0.1');
    const health = { load: [0.5, 0.25, 0.1], systemState: 'degraded', uptimeSeconds: 42 };
    await s.update({
      id: 'm1',
      publicIP: '127.0.0.1',
      metadata: {},
      health,
      version: '9.9.9',
      capabilities: [],
    });
    const page = (await fx.request('GET', '/fleet/v1/machines')).json<MachinePage>();
    expect(page.machines).toEqual([{ id: 'm1', primaryIP: '127.0.0.1', health, version: '9.9.9' }]);
  });

  it('pages', async () => {
    fx = new Fixture({ tokenLimit: 1 });
    await fx.machine('m1');
    await fx.machine('m2');
    const first = (await fx.request('GET', '/fleet/v1/machines')).json<MachinePage>();
    expect(first.machines.map((m) => m.id)).toEqual(['m1']);
    expect(first.nextPageToken).toBe('AQACAA==');
    const second = (
      await fx.request('GET', `/fleet/v1/machines?nextPageToken=AQACAA==`)
    ).json<MachinePage>();
    expect(second).toEqual({ machines: [expect.objectContaining({ id: 'm2' })] });
  });
});

describe('PATCH /machines', () => {
  const patch = (
    body: unknown,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ) =>
    fx.request(
      'PATCH',
      '/fleet/v1/machines',
      typeof body === 'string' ? body : JSON.stringify(body),
      headers,
    );
  const metadata = async () =>
    (await fx.request('GET', '/fleet/v1/machines'))
      .json<MachinePage>()
      .machines.map((m) => [m.id, m.metadata]);

  it('accepts the nested value form fleet used and the bare form its docs showed', async () => {
    fx = new Fixture();
    await fx.machine('m1', '127.0.0.1', { region: 'us', rack: '1' });
    const res = await patch([
      { op: 'add', path: '/m1/metadata/role', value: { value: 'db' } },
      { op: 'replace', path: '/m1/metadata/region', value: 'eu' },
      { op: 'remove', path: '/m1/metadata/rack' },
    ]);
    expect([res.status, res.body]).toEqual([204, '']);
    expect(await metadata()).toEqual([['m1', { region: 'eu', role: 'db' }]]);
  });

  it('applies ops in order; the last op on a key wins', async () => {
    fx = new Fixture();
    await fx.machine('m1');
    await patch([
      { op: 'add', path: '/m1/metadata/k', value: 'one' },
      { op: 'replace', path: '/m1/metadata/k', value: 'two' },
    ]);
    expect(await metadata()).toEqual([['m1', { k: 'two' }]]);
  });

  it('needs no registered machine', async () => {
    fx = new Fixture();
    expect((await patch([{ op: 'add', path: '/later/metadata/k', value: 'v' }])).status).toBe(204);
    await fx.machine('later');
    expect(await metadata()).toEqual([['later', { k: 'v' }]]);
  });

  it("refuses bad ops with fleet's messages", async () => {
    fx = new Fixture();
    const message = async (body: unknown) => (await patch(body)).json();
    expect(await message([{ op: 'move', path: '/m1/metadata/k', value: 'v' }])).toEqual(
      err(400, 'invalid op: expect add, remove, or replace'),
    );
    expect(await message([{ op: 'add', path: '/m1/meta/k', value: 'v' }])).toEqual(
      err(400, 'machine metadata path invalid'),
    );
    expect(await message([{ op: 'add', path: '/m1/metadata/k!', value: 'v' }])).toEqual(
      err(400, 'machine metadata path invalid'),
    );
    for (const value of [undefined, '', { value: '' }, null]) {
      expect(await message([{ op: 'add', path: '/m1/metadata/k', value }])).toEqual(
        err(400, 'invalid value: add and replace require a value'),
      );
    }
    expect(await message([{ op: 'add', path: '/m1/metadata/k', value: 5 }])).toEqual(
      err(400, 'invalid value in op 0: expected a string or {"value": "<string>"}'),
    );
    expect(await message({ op: 'add' })).toEqual(
      err(400, 'unable to decode body: expected a JSON array of operations'),
    );
    expect(await message(['x'])).toEqual(
      err(400, 'unable to decode body: operation 0 is not an object'),
    );
  });

  it('reads the body as JSON whatever the Content-Type says, or without one, as fleet did', async () => {
    fx = new Fixture();
    await fx.machine('m1');
    const types = [
      'application/json',
      'application/json-patch+json',
      // curl -X PATCH -d '[...]' sends this
      'application/x-www-form-urlencoded',
      'text/plain; charset=utf-8',
    ];
    for (const [i, type] of types.entries()) {
      const ops = [{ op: 'add', path: `/m1/metadata/k${i}`, value: type }];
      expect((await patch(ops, { 'content-type': type })).status).toBe(204);
    }
    expect((await patch([{ op: 'add', path: '/m1/metadata/none', value: 'v' }], {})).status).toBe(
      204,
    );
    expect(await metadata()).toEqual([
      ['m1', { k0: types[0], k1: types[1], k2: types[2], k3: types[3], none: 'v' }],
    ]);
    expect((await patch('not json', { 'content-type': 'text/plain' })).json()).toEqual(
      err(400, expect.stringMatching(/^unable to decode body: /)),
    );
  });

  it("stores and returns keys named like Object.prototype members (fleet's key rule allows them)", async () => {
    fx = new Fixture();
    await fx.machine('m1');
    const keys = ['__proto__', 'constructor', 'prototype'];
    const res = await patch(keys.map((k) => ({ op: 'add', path: `/m1/metadata/${k}`, value: k })));
    expect(res.status).toBe(204);
    const raw = (await fx.request('GET', '/fleet/v1/machines')).body;
    expect(raw).toContain(
      '"metadata":{"__proto__":"__proto__","constructor":"constructor","prototype":"prototype"}',
    );
    expect((await patch([{ op: 'remove', path: '/m1/metadata/__proto__' }])).status).toBe(204);
    expect(await metadata()).toEqual([
      ['m1', { constructor: 'constructor', prototype: 'prototype' }],
    ]);
  });

  it(`refuses values over ${MAX_METADATA_VALUE_BYTES} bytes and keys over ${MAX_METADATA_KEY_LENGTH} characters, writing nothing`, async () => {
    fx = new Fixture();
    await fx.machine('m1');
    const before = await snapshot(fx.registry);
    const atLimit = 'é'.repeat(MAX_METADATA_VALUE_BYTES / 2);
    const over = `${atLimit}x`;
    expect(
      (
        await patch([
          { op: 'add', path: '/m1/metadata/ok', value: 'v' },
          { op: 'add', path: '/m1/metadata/big', value: over },
        ])
      ).json(),
    ).toEqual(
      err(400, `invalid value in op 1: it is 1025 bytes long (max ${MAX_METADATA_VALUE_BYTES})`),
    );
    const longKey = 'k'.repeat(MAX_METADATA_KEY_LENGTH + 1);
    expect(
      (await patch([{ op: 'add', path: `/m1/metadata/${longKey}`, value: 'v' }])).json(),
    ).toEqual(
      err(400, `invalid key in op 0: it is 256 characters long (max ${MAX_METADATA_KEY_LENGTH})`),
    );
    expect(await snapshot(fx.registry)).toBe(before);
    const fits = [
      { op: 'add', path: '/m1/metadata/big', value: atLimit },
      { op: 'add', path: `/m1/metadata/${longKey.slice(1)}`, value: 'v' },
    ];
    expect((await patch(fits)).status).toBe(204);
  });

  it('accepts an empty list as a no-op', async () => {
    fx = new Fixture();
    expect((await patch([])).status).toBe(204);
  });
});
