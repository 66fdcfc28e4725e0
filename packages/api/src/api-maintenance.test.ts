import type { ClusterEvent } from '@fleet/registry';
import { afterEach, describe, expect, it } from 'vitest';
import { Fixture } from './testing/index.js';

let fx: Fixture;
afterEach(async () => {
  await fx.close();
});

type AdminCall = [string, { state: string; reason?: string } | null];

/** A fixture whose API serves machine `self`, recording the cordon/drain writes it makes. */
function fixture(self?: string): { calls: AdminCall[] } {
  const calls: AdminCall[] = [];
  const base = new Fixture();
  const registry = new Proxy(base.registry, {
    get(target, prop) {
      if (prop === 'setMachineAdmin') {
        return async (id: string, rec: AdminCall[1]) => {
          calls.push([id, rec]);
          return undefined;
        };
      }
      const v: unknown = Reflect.get(target, prop);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  fx = Object.assign(base, {
    api: new Fixture({ registry, ...(self === undefined ? {} : { machineId: self }) }).api,
  });
  return { calls };
}

async function kinds(): Promise<string[]> {
  const { items } = await fx.registry.listEvents();
  return items.map((e: ClusterEvent) => `${e.kind} ${e.machineId ?? ''}`);
}

describe('/fleet/x/maintenance', () => {
  it('enters the serving machine by default and drains it; idempotent; 409 naming holders when full', async () => {
    const { calls } = fixture('m1');
    await fx.machine('m1');
    await fx.machine('m2');
    expect((await fx.request('GET', '/fleet/x/maintenance')).json()).toEqual({
      limit: 1,
      holders: [],
      revision: '0',
    });
    const res = await fx.request('POST', '/fleet/x/maintenance/enter', { reason: 'os update' });
    expect(res.status).toBe(200);
    const body = res.json<{ outcome: string; holder: { machineId: string; since: string } }>();
    expect(body).toMatchObject({
      outcome: 'entered',
      holder: { machineId: 'm1', reason: 'os update' },
      maintenance: { limit: 1, holders: [{ machineId: 'm1' }] },
    });
    expect(calls).toEqual([['m1', expect.objectContaining({ state: 'draining' })]]);
    const again = await fx.request('POST', '/fleet/x/maintenance/enter');
    expect(again.json()).toMatchObject({ outcome: 'held', holder: body.holder });
    const full = await fx.request('POST', '/fleet/x/maintenance/enter', { machine: 'm2' });
    expect(full.status).toBe(409);
    expect(full.json<{ error: { message: string } }>().error.message).toBe(
      `maintenance is full (limit 1): held by m1 (since ${body.holder.since})`,
    );
    expect(calls).toHaveLength(2);
    expect(await kinds()).toEqual(['maintenance.entered m1']);
  });

  it('exits: uncordons, releases the slot, records the event once', async () => {
    const { calls } = fixture();
    await fx.machine('m2');
    await fx.request('POST', '/fleet/x/maintenance/enter', { machine: 'm2' });
    const out = await fx.request('POST', '/fleet/x/maintenance/exit', { machine: 'm2' });
    expect(out.status).toBe(200);
    expect(out.json()).toMatchObject({ exited: true, maintenance: { holders: [] } });
    expect(calls.at(-1)).toEqual(['m2', null]);
    const twice = await fx.request('POST', '/fleet/x/maintenance/exit', { machine: 'm2' });
    expect(twice.json()).toMatchObject({ exited: false });
    expect(await kinds()).toEqual(['maintenance.entered m2', 'maintenance.exited m2']);
  });

  it('sets the limit; refuses bad input with one clear message', async () => {
    fixture();
    const res = await fx.request('PUT', '/fleet/x/maintenance/limit', { limit: 2 });
    expect(res.json()).toMatchObject({ limit: 2 });
    const cases: [string, string, unknown, number, string][] = [
      ['PUT', 'limit', { limit: 0 }, 400, '"limit" must be an integer of at least 1'],
      ['PUT', 'limit', { limit: '2' }, 400, '"limit" must be an integer of at least 1'],
      ['POST', 'enter', {}, 400, 'name a machine: this fleetd serves no machine of its own'],
      ['POST', 'enter', { machine: 'nope' }, 404, 'machine nope does not exist'],
      ['POST', 'enter', { machine: 7 }, 400, '"machine" must be a non-empty string'],
      ['POST', 'enter', [1], 400, 'unable to decode body: expected a JSON object'],
      ['GET', 'enter', undefined, 405, ''],
    ];
    for (const [method, action, body, status, message] of cases) {
      const r = await fx.request(method, `/fleet/x/maintenance/${action}`, body);
      expect(r.status, `${method} ${action} ${JSON.stringify(body)}`).toBe(status);
      if (message !== '')
        expect(r.json<{ error: { message: string } }>().error.message).toBe(message);
    }
    expect((await fx.request('GET', '/fleet/x/maintenance/other')).status).toBe(404);
  });
});
