// What a PUT asks of the registry: a new unit is one create (the transaction fails if the unit
// exists, and says what is stored), not a read and then a create; an existing unit costs the
// failed create and then the write it needs, as before the read it replaces.
import { InMemoryRegistry, type Registry } from '@fleet/registry';
import { afterEach, describe, expect, it } from 'vitest';
import { Fixture, serviceOptions } from './testing/index.js';

/** The registry, recording the name of every method called on it. */
function recording(registry: Registry): { registry: Registry; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(registry, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        calls.push(String(prop));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { registry: proxy, calls };
}

let fx: Fixture;
let inner: InMemoryRegistry;
afterEach(async () => {
  await fx.close();
  await inner.close();
});

function fixture(): string[] {
  inner = new InMemoryRegistry();
  const { registry, calls } = recording(inner);
  fx = new Fixture({ registry });
  return calls;
}

describe('PUT /units/<name>: registry requests', () => {
  it('creates a new unit with one create, without reading it first', async () => {
    const calls = fixture();
    const res = await fx.put('a.service', { options: serviceOptions(), desiredState: 'launched' });
    expect(res.status).toBe(201);
    expect(calls).toEqual(['createUnit']);
    expect((await inner.getUnit('a.service'))?.desiredState).toBe('launched');
  });

  it('sets the desired state of an existing unit sent with the same options', async () => {
    const calls = fixture();
    await inner.createUnit({
      name: 'a.service',
      options: serviceOptions(),
      desiredState: 'loaded',
    });
    const res = await fx.put('a.service', { options: serviceOptions(), desiredState: 'launched' });
    expect(res.status).toBe(204);
    expect(calls).toEqual(['createUnit', 'setDesiredState']);
    expect((await inner.getUnit('a.service'))?.desiredState).toBe('launched');
  });

  it('replaces an existing unit sent with other options, keeping its desired state', async () => {
    const calls = fixture();
    await inner.createUnit({
      name: 'a.service',
      options: serviceOptions(),
      desiredState: 'loaded',
    });
    const options = serviceOptions('/bin/true');
    const res = await fx.put('a.service', { options });
    expect(res.status).toBe(201);
    expect(calls).toEqual(['createUnit', 'replaceUnit']);
    expect(await inner.getUnit('a.service')).toMatchObject({ desiredState: 'loaded', options });
  });

  it('reads first when the request is no valid new unit, and answers as before', async () => {
    const calls = fixture();
    expect((await fx.put('a.service', { desiredState: 'launched' })).status).toBe(409);
    expect(calls).toEqual(['getUnit']);
  });
});
