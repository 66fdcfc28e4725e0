import { InMemoryRegistry } from '@fleet/registry';
import { Registry as PromRegistry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createApi } from './api.js';
import { DISCOVERY_DOCUMENT } from './discovery-document.js';
import { RecordingLogger } from '@fleet/runtime';
import { Fixture, inject, serviceOptions } from './testing/index.js';
import type { UnitPage } from '@fleet/client';

let fx: Fixture;
afterEach(async () => {
  await fx.close();
});

const err = (code: number, message: string) => ({ error: { code, message } });

describe('routing', () => {
  it('answers 405 for / and the bare prefixes, 404 for unknown paths', async () => {
    fx = new Fixture();
    for (const [method, url, code] of [
      ['GET', '/', 405],
      ['POST', '/', 405],
      ['GET', '/fleet/v1', 405],
      ['GET', '/v1-alpha', 405],
      ['GET', '/fleet/v1/', 404],
      ['GET', '/fleet/v1/nope', 404],
      ['GET', '/fleet/v1/units/', 404],
      ['GET', '/fleet/v1/units/a.service/extra', 404],
      ['GET', '/fleet/v1/machines/m1', 404],
      ['GET', '/fleet/v2/units', 404],
      ['GET', '/nope', 404],
      ['GET', '//x/fleet/v1/units', 404],
      ['GET', '/fleet/v1/units/../machines', 404],
    ] as const) {
      const res = await fx.request(method, url);
      const hint =
        'resources are /fleet/v1/units, /fleet/v1/state, /fleet/v1/machines and /fleet/x/ (plan, apply, rollouts, events)';
      const message =
        code === 404
          ? `no resource at ${JSON.stringify(url)}: ${hint}`
          : `${JSON.stringify(url)} is not a resource: ${hint}`;
      expect([url, res.status, res.json()]).toEqual([url, code, err(code, message)]);
    }
  });

  it('names an unknown path in one line, escaped and cut at 200 characters', async () => {
    fx = new Fixture();
    const long = `/fleet/v1/${'x'.repeat(300)}`;
    const { message } = (await fx.request('GET', long)).json<{ error: { message: string } }>()
      .error;
    expect(message).toContain(`"${long.slice(0, 200)}..."`);
    const odd = (await fx.request('GET', '/fleet/v1/a\u001b[2Jb')).json<{
      error: { message: string };
    }>().error.message;
    expect(odd).toMatch(/^no resource at "\/fleet\/v1\/a\\u001b\[2Jb": /);
  });

  it('answers 405 with Allow for a wrong method on a resource', async () => {
    fx = new Fixture();
    const collection = await fx.request('POST', '/fleet/v1/units');
    expect([collection.status, collection.headers['allow']]).toEqual([405, 'GET']);
    expect(collection.json()).toEqual(err(405, 'only HTTP GET supported against this resource'));
    const item = await fx.request('POST', '/fleet/v1/units/a.service');
    expect([item.status, item.headers['allow']]).toEqual([405, 'GET, PUT, DELETE']);
    expect(item.json()).toEqual(
      err(405, 'only GET, PUT and DELETE supported against this resource'),
    );
    expect((await fx.request('DELETE', '/fleet/v1/state')).status).toBe(405);
    expect((await fx.request('PUT', '/fleet/v1/state/a.service')).status).toBe(405);
    expect((await fx.request('DELETE', '/fleet/v1/machines')).headers['allow']).toBe('GET, PATCH');
    expect((await fx.request('POST', '/metrics')).status).toBe(405);
    expect((await fx.request('POST', '/health')).status).toBe(405);
  });

  it('serves every resource under /v1-alpha too', async () => {
    fx = new Fixture();
    const put = await fx.request('PUT', '/v1-alpha/units/a.service', { options: serviceOptions() });
    expect(put.status).toBe(201);
    const units = (await fx.request('GET', '/v1-alpha/units')).json<UnitPage>().units;
    expect(units.map((u) => u.name)).toEqual(['a.service']);
    expect((await fx.request('GET', '/v1-alpha/units/a.service')).status).toBe(200);
    expect((await fx.request('GET', '/v1-alpha/state')).status).toBe(200);
    expect((await fx.request('GET', '/v1-alpha/machines')).status).toBe(200);
    expect((await fx.request('GET', '/v1-alpha/discovery')).status).toBe(200);
    expect((await fx.request('DELETE', '/v1-alpha/units/a.service')).status).toBe(204);
  });

  it('sends Server: fleetd/<version> on every response', async () => {
    fx = new Fixture();
    for (const url of [
      '/',
      '/nope',
      '/fleet/v1/units',
      '/fleet/v1/units/x',
      '/metrics',
      '/health',
    ]) {
      expect((await fx.request('GET', url)).headers['server']).toBe('fleetd/9.9.9');
    }
    expect((await fx.request('PUT', '/fleet/v1/units/a.service', 'x')).headers['server']).toBe(
      'fleetd/9.9.9',
    );
  });

  it('rejects an invalid token limit', () => {
    const registry = new InMemoryRegistry();
    expect(() => createApi({ registry, version: 'x', tokenLimit: 0 })).toThrow(RangeError);
    expect(() => createApi({ registry, version: 'x', tokenLimit: 65536 })).toThrow(RangeError);
  });
});

describe('GET /discovery', () => {
  it('serves the discovery document at /discovery and /discovery.json', async () => {
    fx = new Fixture();
    for (const url of ['/fleet/v1/discovery', '/fleet/v1/discovery.json']) {
      const res = await fx.request('GET', url);
      expect(res.status).toBe(200);
      expect(res.json()).toEqual(JSON.parse(JSON.stringify(DISCOVERY_DOCUMENT)));
    }
    const doc = (await fx.request('GET', '/fleet/v1/discovery')).json<typeof DISCOVERY_DOCUMENT>();
    expect(doc.rootUrl).toBe('$ENDPOINT/');
    expect(Object.keys(doc.resources)).toEqual(['Machines', 'Units', 'UnitState']);
  });

  it('answers 400 to other methods, as fleet did', async () => {
    fx = new Fixture();
    const res = await fx.request('POST', '/fleet/v1/discovery');
    expect([res.status, res.json()]).toEqual([
      400,
      err(400, 'only HTTP GET supported against this resource'),
    ]);
  });
});

describe('GET /metrics', () => {
  it('serves Prometheus text, including the API request counter and metrics of the given registry', async () => {
    const metrics = new PromRegistry();
    fx = new Fixture({ metrics });
    await fx.request('GET', '/fleet/v1/units');
    await fx.request('GET', '/nope');
    const res = await fx.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain(
      'fleet_api_requests_total{method="GET",route="/fleet/v1/units",code="200"} 1',
    );
    expect(res.body).toContain('route="unmatched",code="404"} 1');
    expect(res.body).toContain('fleet_api_request_duration_seconds_bucket');
  });

  it('can be created twice over one metrics registry (a reload)', async () => {
    const metrics = new PromRegistry();
    fx = new Fixture({ metrics });
    const again = createApi({ registry: fx.registry, version: '1', metrics });
    await inject(again, { url: '/fleet/v1/units' });
    await fx.request('GET', '/fleet/v1/units');
    expect(await metrics.metrics()).toContain('route="/fleet/v1/units",code="200"} 2');
  });
});

describe('availability', () => {
  it('answers 503 to API requests while isReady() is false or names a reason; /health says why', async () => {
    let ready: boolean | string = false;
    fx = new Fixture({ isReady: () => ready });
    const res = await fx.request('GET', '/fleet/v1/units');
    expect([res.status, res.json()]).toEqual([
      503,
      err(503, 'fleet server unable to communicate with etcd'),
    ]);
    expect(
      (await fx.request('PUT', '/fleet/v1/units/a.service', { options: serviceOptions() })).status,
    ).toBe(503);
    expect((await fx.request('GET', '/v1-alpha/machines')).status).toBe(503);
    const health = await fx.request('GET', '/health');
    expect([health.status, health.json()]).toEqual([
      503,
      { status: 'unavailable', reason: 'fleetd is not ready' },
    ]);
    ready = 'registering machine m1';
    expect((await fx.request('GET', '/health')).json()).toEqual({
      status: 'unavailable',
      reason: 'registering machine m1',
    });
    expect((await fx.request('GET', '/metrics')).status).toBe(200);
    ready = true;
    expect((await fx.request('GET', '/fleet/v1/units')).status).toBe(200);
    expect((await fx.request('GET', '/health')).json()).toEqual({ status: 'ok', version: '9.9.9' });
    expect(await fx.registry.getUnit('a.service')).toBeUndefined();
  });

  it('answers 503 when the registry is unavailable, and recovers', async () => {
    fx = new Fixture();
    const api = createApi({ registry: fx.registry, version: '1' });
    await fx.unit('a.service');
    fx.registry.faults.setUnavailable(true);
    for (const [method, url, body] of [
      ['GET', '/fleet/v1/units', undefined],
      ['GET', '/fleet/v1/units/a.service', undefined],
      ['PUT', '/fleet/v1/units/a.service', { desiredState: 'loaded' }],
      ['DELETE', '/fleet/v1/units/a.service', undefined],
      ['GET', '/fleet/v1/state', undefined],
      ['GET', '/fleet/v1/state/a.service', undefined],
      ['GET', '/fleet/v1/machines', undefined],
      ['PATCH', '/fleet/v1/machines', [{ op: 'add', path: '/m1/metadata/k', value: 'v' }]],
    ] as const) {
      const res = await inject(api, { method, url, ...(body === undefined ? {} : { body }) });
      expect([method, url, res.status, res.json()]).toEqual([
        method,
        url,
        503,
        err(503, 'fleet server unable to communicate with etcd'),
      ]);
    }
    const health = await inject(api, { url: '/health' });
    expect(health.status).toBe(503);
    expect(health.json<{ reason: string }>().reason).toMatch(/etcd is unavailable at memory/);
    fx.registry.faults.setUnavailable(false);
    expect((await inject(api, { url: '/fleet/v1/units/a.service' })).status).toBe(200);
    expect((await inject(api, { url: '/health' })).status).toBe(200);
  });

  it('answers unexpected failures 500 with an empty message, and logs them', async () => {
    fx = new Fixture();
    const logger = new RecordingLogger();
    fx.registry.faults.failNext('range', new Error('disk on fire at /secret/path'));
    const api = createApi({ registry: fx.registry, version: '1', logger });
    const res = await inject(api, { url: '/fleet/v1/units' });
    expect([res.status, res.body]).toEqual([500, '{"error":{"code":500,"message":""}}']);
    const errors = logger.records.filter((r) => r.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toBe('API request failed');
    expect(String((errors[0]?.fields as { err: Error }).err.message)).toContain('disk on fire');
  });
});
