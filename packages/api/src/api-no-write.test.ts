// A rejected request writes nothing: the registry's full contents and revision are the same
// before and after each bad request.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApi } from './api.js';
import { Fixture, inject, serviceOptions, snapshot, type InjectRequest } from './testing/index.js';

let fx: Fixture;
beforeEach(async () => {
  fx = new Fixture({ bodyLimitBytes: 64 * 1024 });
  await fx.unit('a.service', 'launched');
  await fx.unit('web@.service');
  await fx.machine('m1', '127.0.0.1', { region: 'eu' });
  await fx.assign('m1', 'a.service');
  await fx.publish('m1', 'a.service');
});
afterEach(async () => {
  await fx.close();
});

const json = { 'content-type': 'application/json' };
const unitUrl = '/fleet/v1/units/a.service';
const goodOp = { op: 'add', path: '/m1/metadata/k', value: 'v' };
const hugeLines = Array.from({ length: 300 }, (_, i) => ({
  section: 'Service',
  name: 'Environment',
  value: `V${i}=${'y'.repeat(2000)}`,
}));

const badRequests: [string, number, InjectRequest][] = [
  [
    'PUT without Content-Type',
    415,
    { method: 'PUT', url: unitUrl, body: '{"desiredState":"loaded"}' },
  ],
  [
    'PUT as text/plain',
    415,
    {
      method: 'PUT',
      url: unitUrl,
      body: '{"desiredState":"loaded"}',
      headers: { 'content-type': 'text/plain' },
    },
  ],
  [
    'PUT with broken JSON',
    400,
    { method: 'PUT', url: unitUrl, body: '{"desiredState":', headers: json },
  ],
  [
    'PUT with a non-object body',
    400,
    { method: 'PUT', url: unitUrl, body: '"loaded"', headers: json },
  ],
  [
    'PUT with a mistyped option',
    400,
    { method: 'PUT', url: unitUrl, body: { options: [{ section: 1 }] } },
  ],
  [
    'PUT naming another unit',
    400,
    { method: 'PUT', url: unitUrl, body: { name: 'b.service', desiredState: 'inactive' } },
  ],
  [
    'PUT of an invalid name',
    400,
    { method: 'PUT', url: '/fleet/v1/units/a.nope', body: { options: serviceOptions() } },
  ],
  [
    'PUT of an invalid desired state',
    400,
    { method: 'PUT', url: unitUrl, body: { desiredState: 'started' } },
  ],
  [
    'PUT creating with an invalid desired state',
    400,
    {
      method: 'PUT',
      url: '/fleet/v1/units/n.service',
      body: { options: serviceOptions(), desiredState: 'up' },
    },
  ],
  [
    'PUT launching a template',
    400,
    { method: 'PUT', url: '/fleet/v1/units/web@.service', body: { desiredState: 'launched' } },
  ],
  [
    'PUT creating a launched template',
    400,
    {
      method: 'PUT',
      url: '/fleet/v1/units/db@.service',
      body: { options: serviceOptions(), desiredState: 'launched' },
    },
  ],
  [
    'PUT creating without options',
    409,
    { method: 'PUT', url: '/fleet/v1/units/n.service', body: { desiredState: 'launched' } },
  ],
  ['PUT updating without desired state', 409, { method: 'PUT', url: unitUrl, body: {} }],
  [
    'PUT replacing with impossible options',
    400,
    {
      method: 'PUT',
      url: unitUrl,
      body: {
        options: [
          ...serviceOptions(),
          { section: 'X-Fleet', name: 'MachineID', value: 'm1' },
          { section: 'X-Fleet', name: 'Conflicts', value: 'x*' },
        ],
      },
    },
  ],
  [
    'PUT creating with an unknown section',
    400,
    {
      method: 'PUT',
      url: '/fleet/v1/units/n.service',
      body: { options: [{ section: 'Bogus', name: 'A', value: 'b' }] },
    },
  ],
  [
    'PUT with an over-long line',
    400,
    {
      method: 'PUT',
      url: unitUrl,
      body: { options: [{ section: 'Service', name: 'ExecStart', value: 'x'.repeat(4000) }] },
    },
  ],
  ['PUT over the body limit', 413, { method: 'PUT', url: unitUrl, body: { options: hugeLines } }],
  ['DELETE of an invalid name', 400, { method: 'DELETE', url: '/fleet/v1/units/nodot' }],
  ['DELETE of a missing unit', 404, { method: 'DELETE', url: '/fleet/v1/units/missing.service' }],
  [
    'PATCH with a good op before a bad op',
    400,
    {
      method: 'PATCH',
      url: '/fleet/v1/machines',
      body: [goodOp, { op: 'add', path: '/m1/metadata/x', value: '' }],
    },
  ],
  [
    'PATCH with a good op before a bad path',
    400,
    {
      method: 'PATCH',
      url: '/fleet/v1/machines',
      body: [goodOp, { op: 'add', path: '/m1/k', value: 'v' }],
    },
  ],
  [
    'PATCH with a good op before a bad op name',
    400,
    {
      method: 'PATCH',
      url: '/fleet/v1/machines',
      body: [goodOp, { op: 'copy', path: '/m1/metadata/k' }],
    },
  ],
  ['PATCH that is not a list', 400, { method: 'PATCH', url: '/fleet/v1/machines', body: goodOp }],
  [
    'PATCH with a good op before a value over 1 KiB',
    400,
    {
      method: 'PATCH',
      url: '/fleet/v1/machines',
      body: [goodOp, { op: 'add', path: '/m1/metadata/big', value: 'v'.repeat(1025) }],
    },
  ],
  [
    'PATCH as a form whose body is not JSON',
    400,
    {
      method: 'PATCH',
      url: '/fleet/v1/machines',
      body: 'op=add&path=/m1/metadata/k&value=v',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    },
  ],
  [
    'POST to the units collection',
    405,
    { method: 'POST', url: '/fleet/v1/units', body: { options: serviceOptions() } },
  ],
];

describe('a rejected request writes nothing', () => {
  it.each(badRequests)('%s (%i)', async (_what, status, request) => {
    const before = await snapshot(fx.registry);
    const res = await inject(fx.api, request);
    expect(res.status).toBe(status);
    expect(res.json<{ error: { code: number; message: string } }>().error.code).toBe(status);
    expect(await snapshot(fx.registry)).toBe(before);
  });

  it('nor does any write while the API is not ready', async () => {
    const api = createApi({
      registry: fx.registry,
      version: '1',
      isReady: () => 'not registered yet',
    });
    const before = await snapshot(fx.registry);
    for (const request of [
      { method: 'PUT', url: unitUrl, body: { desiredState: 'loaded' } },
      { method: 'PUT', url: '/fleet/v1/units/n.service', body: { options: serviceOptions() } },
      { method: 'DELETE', url: unitUrl },
      { method: 'PATCH', url: '/fleet/v1/machines', body: [goodOp] },
    ]) {
      expect((await inject(api, request)).status).toBe(503);
    }
    expect(await snapshot(fx.registry)).toBe(before);
  });

  it('while a good request does change the snapshot (the check can fail)', async () => {
    const before = await snapshot(fx.registry);
    expect(
      (await inject(fx.api, { method: 'PATCH', url: '/fleet/v1/machines', body: [goodOp] })).status,
    ).toBe(204);
    expect(await snapshot(fx.registry)).not.toBe(before);
  });
});
