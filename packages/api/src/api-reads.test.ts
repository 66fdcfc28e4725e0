// GETs go to the API's `reads` (fleetd's view whose reads fall back to an etcd member's own copy
// during an etcd election); writes, and the reads a write makes, go to `registry`.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fixture, serviceOptions } from './testing/index.js';

let reads: Fixture;
let fx: Fixture;
beforeEach(async () => {
  reads = new Fixture();
  await reads.unit('seen.service', 'launched');
  await reads.machine('m-reads');
  fx = new Fixture({ reads: reads.registry });
  await fx.unit('written.service');
  await fx.machine('m-writes');
});
afterEach(async () => {
  await fx.close();
  await reads.close();
});

describe('the API with a separate registry for reads', () => {
  it('answers every GET from it', async () => {
    const names = (r: { json<T>(): T }, key: string) =>
      (r.json<Record<string, { name?: string; id?: string }[]>>()[key] ?? []).map(
        (u) => u.name ?? u.id,
      );
    expect(names(await fx.request('GET', '/fleet/v1/units'), 'units')).toEqual(['seen.service']);
    expect((await fx.request('GET', '/fleet/v1/units/seen.service')).status).toBe(200);
    expect((await fx.request('GET', '/fleet/v1/units/written.service')).status).toBe(404);
    expect(names(await fx.request('GET', '/fleet/v1/machines'), 'machines')).toEqual(['m-reads']);
  });

  it('writes to the registry, and reads what a write needs from it', async () => {
    // written.service exists only in the write registry: a PUT of its state finds it there.
    const put = await fx.put('written.service', { desiredState: 'loaded' });
    expect(put.status).toBe(204);
    expect((await fx.registry.getUnit('written.service'))?.desiredState).toBe('loaded');
    const created = await fx.put('new.service', {
      desiredState: 'launched',
      options: serviceOptions(),
    });
    expect(created.status).toBe(201);
    expect(await reads.registry.getUnit('new.service')).toBeUndefined();
    expect((await fx.request('DELETE', '/fleet/v1/units/written.service')).status).toBe(204);
    expect(await fx.registry.getUnit('written.service')).toBeUndefined();
  });
});
