// POST /fleet/x/plan and /fleet/x/apply: the difference between given units and the cluster's,
// computed at the unit epoch, applied in one guarded registry write.
import type { Plan } from '@fleet/client';
import { unitHash, type UnitOption } from '@fleet/unit';
import { afterEach, describe, expect, it } from 'vitest';
import { permissionProblem } from './server/roles.js';
import { Fixture, serviceOptions } from './testing/index.js';

let fx: Fixture;
afterEach(async () => {
  await fx.close();
});

const err = (code: number, message: string) => ({ error: { code, message } });
const web = (cmd = '/bin/web'): UnitOption[] => serviceOptions(cmd);

function post(path: 'plan' | 'apply', body: unknown) {
  const json = { 'Content-Type': 'application/json' };
  return fx.request('POST', `/fleet/x/${path}`, body, typeof body === 'string' ? json : undefined);
}

async function plan(body: unknown): Promise<Plan> {
  const res = await post('plan', body);
  expect(res.status, res.body).toBe(200);
  return res.json<Plan>();
}

describe('POST /fleet/x/plan', () => {
  it('plans creates on an empty cluster, templates inactive, and writes nothing', async () => {
    fx = new Fixture();
    const got = await plan({
      units: [
        { name: 'web@1.service', options: web() },
        { name: 'web@.service', options: web() },
      ],
    });
    expect(got).toEqual({
      revision: '0',
      changed: true,
      changes: [
        { action: 'create', name: 'web@.service', desiredState: 'inactive' },
        { action: 'create', name: 'web@1.service', desiredState: 'launched' },
      ],
    });
    expect((await fx.registry.listUnits()).items).toEqual([]);
    expect(await fx.registry.unitEpoch()).toBe('0');
  });

  it('carries a given template to its instances in the cluster; --prune keeps them', async () => {
    fx = new Fixture();
    await fx.unit('web@.service', 'inactive', web('/bin/web --v1'));
    await fx.unit('web@1.service', 'launched', web('/bin/web --v1'));
    await fx.unit('web@2.service', 'loaded', web('/bin/web --v1'));
    await fx.unit('other.service', 'launched', web('/bin/other'));
    const got = await plan({
      units: [{ name: 'web@.service', options: web('/bin/web --v2') }],
      prune: true,
    });
    const v2 = unitHash(web('/bin/web --v2'));
    expect(got.changes.map((c) => [c.action, c.name, 'toHash' in c ? c.toHash : ''])).toEqual([
      ['destroy', 'other.service', ''],
      ['replace', 'web@.service', v2],
      ['replace', 'web@1.service', v2],
      ['replace', 'web@2.service', v2],
    ]);
    const res = await post('apply', {
      units: [{ name: 'web@.service', options: web('/bin/web --v2') }],
    });
    expect(res.status, res.body).toBe(200);
    // Each instance keeps its desired state.
    expect((await fx.registry.getUnit('web@2.service'))?.desiredState).toBe('loaded');
    expect((await fx.registry.getUnit('web@1.service'))?.hash).toBe(v2);
  });

  it('shows replace with a unified diff, start, destroy with prune, and unchanged', async () => {
    fx = new Fixture();
    await fx.unit('web.service', 'launched', web('/bin/web --v1'));
    await fx.unit('db.service', 'loaded', web('/bin/db'));
    await fx.unit('cache.service', 'launched', web('/bin/cache'));
    await fx.unit('old.service', 'launched', web('/bin/old'));
    const units = [
      { name: 'web.service', options: web('/bin/web --v2') },
      { name: 'db.service', options: web('/bin/db') },
      { name: 'cache.service', options: web('/bin/cache') },
    ];
    const diff =
      '--- web.service (cluster)\n+++ web.service (files)\n@@ -2,4 +2,4 @@\n' +
      ' Description=test unit\n \n [Service]\n-ExecStart=/bin/web --v1\n+ExecStart=/bin/web --v2\n';
    const replace = {
      action: 'replace',
      name: 'web.service',
      fromHash: unitHash(web('/bin/web --v1')),
      toHash: unitHash(web('/bin/web --v2')),
      diff,
      desiredState: 'launched',
    };
    const epoch = await fx.registry.unitEpoch();
    expect(await plan({ units, prune: true })).toEqual({
      revision: epoch,
      changed: true,
      changes: [
        { action: 'unchanged', name: 'cache.service' },
        { action: 'start', name: 'db.service', from: 'loaded', desiredState: 'launched' },
        { action: 'destroy', name: 'old.service' },
        replace,
      ],
    });
    // Without prune, units that are not given are left alone and not mentioned.
    const kept = await plan({ units });
    expect(kept.changes.map((c) => c.action)).toEqual(['unchanged', 'start', 'replace']);
  });

  it('answers 400 with one clear message for bad bodies and bad units', async () => {
    fx = new Fixture();
    const cases: [unknown, string][] = [
      ['not json', 'unable to decode body: '],
      [{}, 'unable to decode body: units: '],
      [{ units: [{ name: 'a.service' }] }, 'unable to decode body: units[0].options: '],
      [{ units: [], prune: 'yes' }, 'unable to decode body: prune: must be true or false'],
      [{ units: [], checkRevision: 12 }, 'unable to decode body: checkRevision: '],
      [{ units: [{ name: 'a/b.service', options: web() }] }, 'unit "a/b.service": '],
      [{ units: [{ name: 'a.service', options: [] }] }, 'unit "a.service": options field empty'],
      [
        {
          units: [
            {
              name: 'a.service',
              options: [
                ...web(),
                { section: 'X-Fleet', name: 'MachineID', value: 'abc' },
                { section: 'X-Fleet', name: 'Global', value: 'true' },
              ],
            },
          ],
        },
        'unit "a.service": invalid unit options: MachineID cannot be used with Global',
      ],
      [
        {
          units: [
            { name: 'a.service', options: web() },
            { name: 'a.service', options: web('/bin/other') },
          ],
        },
        'unit "a.service" is given twice',
      ],
    ];
    for (const path of ['plan', 'apply'] as const) {
      for (const [body, message] of cases) {
        const res = await post(path, body);
        expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
        const got = res.json<{ error: { code: number; message: string } }>().error;
        expect(got.code).toBe(400);
        expect(got.message.startsWith(message), got.message).toBe(true);
      }
    }
    expect(await fx.registry.unitEpoch()).toBe('0');
    const wrong = await fx.request('GET', '/fleet/x/plan');
    expect(wrong.status).toBe(405);
  });

  it('is a read: the read role may POST a plan, not an apply', () => {
    expect(permissionProblem('read', 'POST', '/fleet/x/plan')).toBeUndefined();
    expect(permissionProblem('read', 'POST', '/fleet/x/apply')).toBe(
      'permission denied: role read cannot POST apply',
    );
    expect(permissionProblem('read', 'PUT', '/fleet/x/plan')).toBe(
      'permission denied: role read cannot PUT plan',
    );
  });
});

describe('POST /fleet/x/apply', () => {
  it('makes the cluster match; a second apply changes nothing', async () => {
    fx = new Fixture();
    await fx.unit('old.service', 'launched', web('/bin/old'));
    await fx.unit('db.service', 'inactive', web('/bin/db'));
    const body = {
      units: [
        { name: 'web@.service', options: web() },
        { name: 'web@1.service', options: web() },
        { name: 'db.service', options: web('/bin/db') },
      ],
      prune: true,
    };
    const res = await post('apply', body);
    expect(res.status).toBe(200);
    const applied = res.json<Plan>();
    expect(applied.changed).toBe(true);
    expect(applied.revision).toBe(await fx.registry.unitEpoch());
    expect(applied.changes.map((c) => `${c.action} ${c.name}`)).toEqual([
      'start db.service',
      'destroy old.service',
      'create web@.service',
      'create web@1.service',
    ]);
    const units = (await fx.registry.listUnits()).items;
    expect(units.map((u) => [u.name, u.desiredState])).toEqual([
      ['db.service', 'launched'],
      ['web@.service', 'inactive'],
      ['web@1.service', 'launched'],
    ]);
    const again = await post('apply', body);
    expect(again.json<Plan>()).toMatchObject({ changed: false, revision: applied.revision });
    expect(await fx.registry.unitEpoch()).toBe(applied.revision);
    expect((await plan(body)).changed).toBe(false);
  });

  it('refuses a stale checkRevision with 409 naming both revisions, writing nothing', async () => {
    fx = new Fixture();
    await fx.unit('web.service', 'launched', web('/bin/web --v1'));
    const body = { units: [{ name: 'web.service', options: web('/bin/web --v2') }] };
    const planned = await plan(body);
    // A concurrent change after the plan.
    await fx.unit('other.service');
    const now = await fx.registry.unitEpoch();
    const res = await post('apply', { ...body, checkRevision: planned.revision });
    expect([res.status, res.json()]).toEqual([
      409,
      err(
        409,
        `the cluster's units changed since revision ${planned.revision} ` +
          `(last change at revision ${now}): plan again`,
      ),
    ]);
    expect(await fx.registry.unitEpoch()).toBe(now);
    expect((await fx.registry.getUnit('web.service'))?.options).toEqual(web('/bin/web --v1'));
    // Against the revision now, it applies.
    const ok = await post('apply', { ...body, checkRevision: now });
    expect(ok.status).toBe(200);
    expect((await fx.registry.getUnit('web.service'))?.options).toEqual(web('/bin/web --v2'));
  });
});
