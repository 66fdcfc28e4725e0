import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fixture, GLOBAL_OPTIONS } from './testing/index.js';

let fx: Fixture;
beforeEach(async () => {
  fx = new Fixture();
  await fx.machine('m1', '127.0.0.11', { role: 'web' });
  await fx.machine('m2', '127.0.0.12');
  await fx.unit('a.service', 'launched');
  await fx.unit('g.service', 'launched', GLOBAL_OPTIONS);
  await fx.assign('m1', 'a.service');
  await fx.assign('m1', 'g.service');
  await fx.assign('m2', 'g.service');
});
afterEach(() => fx.close());

const err = (code: number, message: string) => ({ error: { code, message } });
const kinds = async () => (await fx.registry.listEvents()).items.map((e) => e.kind);

describe('/fleet/x/machines', () => {
  it('lists the machines with their admin state, in the documented wire format', async () => {
    const res = await fx.request('GET', '/fleet/x/machines');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({
      machines: [
        {
          id: 'm1',
          primaryIP: '127.0.0.11',
          metadata: { role: 'web' },
          admin: null,
          schedulable: true,
          drained: false,
          units: 2,
        },
        {
          id: 'm2',
          primaryIP: '127.0.0.12',
          metadata: {},
          admin: null,
          schedulable: true,
          drained: false,
          units: 1,
        },
      ],
    });
  });

  it('cordons, drains and uncordons, with events; drained once only globals are left', async () => {
    let res = await fx.request('POST', '/fleet/x/machines/m1/cordon', { reason: 'disk' });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      machine: { id: 'm1', admin: { state: 'cordoned', reason: 'disk' }, schedulable: false },
    });
    const since = (res.json() as { machine: { admin: { since: string } } }).machine.admin.since;
    expect(Number.isNaN(Date.parse(since))).toBe(false);
    res = await fx.request('POST', '/fleet/x/machines/m1/drain');
    expect(res.json()).toMatchObject({
      machine: { admin: { state: 'draining' }, schedulable: false, drained: false },
    });
    // The engine moves a.service away; the global unit stays: the machine is drained.
    const token = (await fx.registry.getLeader())?.token ?? '';
    await fx.registry.applyAssignments(token, [
      { kind: 'unschedule', machineId: 'm1', unit: 'a.service' },
    ]);
    res = await fx.request('GET', '/fleet/x/machines');
    expect(res.json()).toMatchObject({ machines: [{ id: 'm1', drained: true, units: 1 }, {}] });
    res = await fx.request('POST', '/fleet/x/machines/m1/uncordon');
    expect(res.json()).toMatchObject({ machine: { admin: null, schedulable: true } });
    expect(await fx.registry.listMachineAdmin()).toMatchObject({ items: [] });
    expect(await kinds()).toEqual(['machine.cordoned', 'machine.draining', 'machine.uncordoned']);
    // Again: nothing changes, no new event.
    await fx.request('POST', '/fleet/x/machines/m1/uncordon');
    expect(await kinds()).toHaveLength(3);
  });

  it('keeps a cordoned machine that went down listed, not schedulable', async () => {
    await fx.request('POST', '/fleet/x/machines/m2/cordon');
    await (await fx.machine('m2')).close();
    const res = await fx.request('GET', '/fleet/x/machines');
    expect(res.json()).toMatchObject({
      machines: [{ id: 'm1' }, { id: 'm2', primaryIP: '', admin: { state: 'cordoned' } }],
    });
  });

  it('answers one clear 4xx line for an unknown machine, a bad body or a wrong method', async () => {
    expect((await fx.request('POST', '/fleet/x/machines/nope/cordon')).json()).toEqual(
      err(404, 'machine nope does not exist'),
    );
    let res = await fx.request('POST', '/fleet/x/machines/m1/drain', '{"reason":');
    expect(res.status).toBe(400);
    expect(res.json()).toEqual(
      err(400, 'unable to decode body: expected {"reason": "..."} or nothing'),
    );
    res = await fx.request('POST', '/fleet/x/machines/m1/cordon', { reason: 7 });
    expect(res.json()).toEqual(err(400, 'reason must be one line of at most 1024 characters'));
    res = await fx.request('POST', '/fleet/x/machines/m1/cordon', { why: 'x' });
    expect(res.json()).toEqual(err(400, 'unknown field "why"'));
    expect((await fx.request('POST', '/fleet/x/machines/m1/reboot')).status).toBe(404);
    expect((await fx.request('GET', '/fleet/x/machines/m1/cordon')).status).toBe(405);
    expect((await fx.registry.listMachineAdmin()).items).toEqual([]);
  });
});
