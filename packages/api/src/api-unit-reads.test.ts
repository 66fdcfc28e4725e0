// GET /units/<name> reads a few keys, not the whole cluster: counted on the registry's store.
import { rawAccess } from '@fleet/registry/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Fixture, GLOBAL_OPTIONS } from './testing/index.js';
import type { WireUnit } from '@fleet/client';

let fx: Fixture;
afterEach(async () => {
  await fx.close();
});

/** 1,000 launched units over 100 machines (u<i> on m<i mod 100>), each running where assigned. */
async function cluster(): Promise<void> {
  fx = new Fixture();
  const hash = await fx.unit('u0.service', 'launched');
  for (let i = 1; i < 1_000; i++) await fx.unit(`u${i}.service`, 'launched');
  const machine = (i: number) => `m${String(i % 100).padStart(2, '0')}`;
  await fx.assignAll(
    Array.from({ length: 1_000 }, (_, i) => ({
      machineId: machine(i),
      unit: `u${i}.service`,
      hash,
    })),
  );
  await fx.publish('m17', 'u517.service');
}

describe('GET /units/<name> reads', () => {
  it('reads a few keys for one unit among 1,000 assignments on 100 machines', async () => {
    await cluster();
    fx.registry.faults.resetCalls();
    const res = await fx.request('GET', '/fleet/v1/units/u517.service');
    expect(res.status).toBe(200);
    expect(res.json<WireUnit>()).toMatchObject({ machineID: 'm17', currentState: 'launched' });
    const { counts, keysRead } = fx.registry.faults.calls;
    // The unit and its reason, contents (cached), placement index and marker, its assignment and
    // its state: whatever the cluster's size.
    expect(keysRead).toBeLessThanOrEqual(8);
    expect(counts.txn + counts.range).toBeLessThanOrEqual(6);
  });

  it('reads no placement of a global unit, however many machines run it', async () => {
    await cluster();
    const hash = await fx.unit('g.service', 'launched', GLOBAL_OPTIONS);
    await fx.assignAll(
      Array.from({ length: 100 }, (_, i) => ({
        machineId: `m${String(i).padStart(2, '0')}`,
        unit: 'g.service',
        hash,
      })),
    );
    fx.registry.faults.resetCalls();
    const res = await fx.request('GET', '/fleet/v1/units/g.service');
    expect(res.json()).toEqual({
      name: 'g.service',
      options: GLOBAL_OPTIONS,
      desiredState: 'launched',
    });
    expect(fx.registry.faults.calls.keysRead).toBeLessThanOrEqual(3);
  });

  it('shows the machine of a unit assigned before the placement index existed', async () => {
    fx = new Fixture();
    const hash = await fx.unit('a.service', 'launched');
    // What an older engine wrote: the assignment alone, no index entry, no marker.
    await rawAccess(fx.registry).putRaw(
      'assign/m1/a.service',
      JSON.stringify({ unit: 'a.service', hash, desiredState: 'launched' }),
    );
    await fx.publish('m1', 'a.service');
    for (let i = 0; i < 2; i++) {
      const res = await fx.request('GET', '/fleet/v1/units/a.service');
      expect(res.json<WireUnit>()).toMatchObject({ machineID: 'm1', currentState: 'launched' });
    }
  });
});
