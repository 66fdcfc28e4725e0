import { unitHash } from '@fleet/unit';
import { afterEach, describe, expect, it } from 'vitest';
import { Fixture, serviceOptions } from './testing/index.js';

let fx: Fixture;
afterEach(async () => {
  await fx.close();
});

const err = (code: number, message: string) => ({ error: { code, message } });

describe('PUT /units/<name>: create', () => {
  it('creates with the given desired state (201, no body)', async () => {
    fx = new Fixture();
    const res = await fx.put('a.service', { options: serviceOptions(), desiredState: 'launched' });
    expect([res.status, res.body]).toEqual([201, '']);
    const unit = await fx.registry.getUnit('a.service');
    expect(unit?.desiredState).toBe('launched');
    expect(unit?.options).toEqual(serviceOptions());
    expect(unit?.hash).toBe(unitHash(serviceOptions()));
  });

  it('defaults the desired state to inactive and the name to the URL name', async () => {
    fx = new Fixture();
    expect((await fx.put('a.service', { options: serviceOptions() })).status).toBe(201);
    expect((await fx.registry.getUnit('a.service'))?.desiredState).toBe('inactive');
  });

  it('tolerates unknown top-level fields, so a unit read back can be PUT', async () => {
    fx = new Fixture();
    const res = await fx.put('a.service', {
      name: 'a.service',
      options: serviceOptions(),
      desiredState: 'loaded',
      currentState: 'inactive',
      machineID: 'm1',
      somethingNew: [1, 2],
    });
    expect(res.status).toBe(201);
  });

  it('answers 409 without options', async () => {
    fx = new Fixture();
    for (const body of [{}, { options: [] }, { options: null, desiredState: 'launched' }]) {
      const res = await fx.put('a.service', body);
      expect([res.status, res.json()]).toEqual([
        409,
        err(409, 'unit does not exist and options field empty'),
      ]);
    }
  });

  it('refuses to create a template as loaded or launched', async () => {
    fx = new Fixture();
    const res = await fx.put('web@.service', {
      options: serviceOptions(),
      desiredState: 'launched',
    });
    expect([res.status, res.json()]).toEqual([
      400,
      err(400, 'cannot activate template "web@.service"'),
    ]);
    expect((await fx.put('web@.service', { options: serviceOptions() })).status).toBe(201);
  });

  it('validates options: impossible [X-Fleet] combinations', async () => {
    fx = new Fixture();
    const res = await fx.put('a.service', {
      options: [
        ...serviceOptions(),
        { section: 'X-Fleet', name: 'MachineID', value: 'abc' },
        { section: 'X-Fleet', name: 'Global', value: 'true' },
      ],
    });
    expect([res.status, res.json()]).toEqual([
      400,
      err(400, 'invalid unit options: MachineID cannot be used with Global'),
    ]);
  });
});

describe('PUT /units/<name>: replace', () => {
  it('replaces different options (201) and keeps the desired state when none is given', async () => {
    fx = new Fixture();
    await fx.unit('a.service', 'launched');
    const next = serviceOptions('/bin/sleep 2000');
    const res = await fx.put('a.service', { options: next });
    expect(res.status).toBe(201);
    const unit = await fx.registry.getUnit('a.service');
    expect([unit?.hash, unit?.desiredState]).toEqual([unitHash(next), 'launched']);
  });

  it('uses the desired state given with the new options', async () => {
    fx = new Fixture();
    await fx.unit('a.service', 'launched');
    const res = await fx.put('a.service', {
      options: serviceOptions('/bin/x'),
      desiredState: 'inactive',
    });
    expect(res.status).toBe(201);
    expect((await fx.registry.getUnit('a.service'))?.desiredState).toBe('inactive');
  });

  it('re-validates options on replace (fleet did not)', async () => {
    fx = new Fixture();
    await fx.unit('a.service', 'launched');
    const res = await fx.put('a.service', {
      options: [
        ...serviceOptions(),
        { section: 'X-Fleet', name: 'Conflicts', value: 'b*' },
        { section: 'X-Fleet', name: 'Replaces', value: 'c.service' },
      ],
    });
    expect([res.status, res.json()]).toEqual([
      400,
      err(400, 'invalid unit options: Conflicts cannot be used with Replaces'),
    ]);
    expect((await fx.registry.getUnit('a.service'))?.hash).toBe(unitHash(serviceOptions()));
  });
});

describe('PUT /units/<name>: desired state', () => {
  it('sets the desired state of an existing unit (204)', async () => {
    fx = new Fixture();
    await fx.unit('a.service');
    const res = await fx.put('a.service', { desiredState: 'loaded' });
    expect([res.status, res.body]).toEqual([204, '']);
    expect((await fx.registry.getUnit('a.service'))?.desiredState).toBe('loaded');
  });

  it('treats the same options as a desired-state update (204)', async () => {
    fx = new Fixture();
    await fx.unit('a.service');
    const res = await fx.put('a.service', { options: serviceOptions(), desiredState: 'launched' });
    expect(res.status).toBe(204);
    expect((await fx.registry.getUnit('a.service'))?.desiredState).toBe('launched');
  });

  it('answers 409 without a desired state', async () => {
    fx = new Fixture();
    await fx.unit('a.service');
    for (const body of [{}, { options: serviceOptions() }, { desiredState: '' }]) {
      const res = await fx.put('a.service', body);
      expect([res.status, res.json()]).toEqual([
        409,
        err(409, 'must provide DesiredState to update existing unit'),
      ]);
    }
  });

  it('validates the desired state (fleet did not)', async () => {
    fx = new Fixture();
    await fx.unit('a.service');
    const res = await fx.put('a.service', { desiredState: 'running' });
    expect([res.status, res.json()]).toEqual([
      400,
      err(400, 'invalid desiredState "running": expected one of inactive, loaded, launched'),
    ]);
  });

  it('refuses to activate a template', async () => {
    fx = new Fixture();
    await fx.unit('web@.service');
    const res = await fx.put('web@.service', { desiredState: 'loaded' });
    expect([res.status, res.json()]).toEqual([
      400,
      err(400, 'cannot activate template "web@.service"'),
    ]);
    expect((await fx.put('web@.service', { desiredState: 'inactive' })).status).toBe(204);
  });
});

describe('PUT /units/<name>: request checks', () => {
  it('answers 415 unless there is exactly one application/json Content-Type', async () => {
    fx = new Fixture();
    const body = JSON.stringify({ options: serviceOptions() });
    const put = (headers: Record<string, string | string[]>) =>
      fx.request('PUT', '/fleet/v1/units/a.service', body, headers as Record<string, string>);
    expect((await put({})).json()).toEqual(err(415, 'expected 1 Content-Type, got 0'));
    expect((await put({ 'content-type': 'text/plain' })).json()).toEqual(
      err(415, 'only acceptable Content-Type is application/json'),
    );
    expect((await put({ 'content-type': ['application/json', 'application/json'] })).status).toBe(
      415,
    );
    expect((await put({ 'content-type': 'application/json; charset=utf-8' })).status).toBe(201);
  });

  it('answers 400 for bodies that do not decode', async () => {
    fx = new Fixture();
    const raw = (body: string) =>
      fx.request('PUT', '/fleet/v1/units/a.service', body, { 'content-type': 'application/json' });
    const message = async (body: string) =>
      (await raw(body)).json<{ error: { message: string } }>().error.message;
    expect(await message('{"options": [')).toMatch(/^unable to decode body: /);
    expect(await message('')).toBe('unable to decode body: it is empty');
    expect(await message('[1]')).toBe('unable to decode body: expected a JSON object');
    expect(await message('{"options": "x"}')).toBe(
      'unable to decode body: options: must be an array of {section, name, value}',
    );
    expect(await message('{"options": [{"section": "Service", "name": "X", "value": 1}]}')).toBe(
      'unable to decode body: options[0].value: must be a string',
    );
    expect(await message('{"desiredState": 3}')).toBe(
      'unable to decode body: desiredState: must be a string',
    );
    const latin1 = await fx.request(
      'PUT',
      '/fleet/v1/units/a.service',
      Buffer.from([0x7b, 0xff, 0x7d]),
      {
        'content-type': 'application/json',
      },
    );
    expect(latin1.json()).toEqual(err(400, 'unable to decode body: it is not valid UTF-8'));
  });

  it('answers 400 when the body names another unit, or the name is invalid', async () => {
    fx = new Fixture();
    const res = await fx.put('a.service', { name: 'b.service', options: serviceOptions() });
    expect(res.json()).toEqual(
      err(400, 'name in URL "a.service" differs from unit name in request body "b.service"'),
    );
    const bad = await fx.put('a.bogus', { options: serviceOptions() });
    expect(bad.status).toBe(400);
    expect(bad.json<{ error: { message: string } }>().error.message).toMatch(
      /^invalid unit name "a.bogus": unknown unit type/,
    );
  });

  it('answers 413 for a body over the limit, and for options that serialise past the unit size limit', async () => {
    fx = new Fixture({ bodyLimitBytes: 1000 });
    const big = await fx.put('a.service', { options: serviceOptions('x'.repeat(2000)) });
    expect(big.status).toBe(413);
    expect(big.headers['connection']).toBe('close');
    await fx.close();

    fx = new Fixture();
    const lines = Array.from({ length: 300 }, (_, i) => ({
      section: 'Service',
      name: 'Environment',
      value: `V${i}=${'y'.repeat(2000)}`,
    }));
    const res = await fx.put('a.service', { options: lines });
    expect(res.status).toBe(413);
    expect(res.json<{ error: { message: string } }>().error.message).toMatch(/too large/);
  });

  it('answers 400 for options that do not form a unit file', async () => {
    fx = new Fixture();
    const res = await fx.put('a.service', {
      options: [{ section: 'Service', name: 'ExecStart', value: 'x'.repeat(3000) }],
    });
    expect(res.status).toBe(400);
    expect(res.json<{ error: { message: string } }>().error.message).toMatch(
      /^invalid unit options: line \d+/,
    );
  });
});
