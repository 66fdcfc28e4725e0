// GET /fleet/x/events as a page: oldest first after an id, limits, fleet's error JSON for bad
// queries, the read role, and the /fleet/x table leaving other paths 404.
import type { EventInput } from '@fleet/registry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fixture } from './testing/index.js';

const started = (unit: string): EventInput => ({
  kind: 'unit.started',
  unit,
  machineId: 'm1',
  message: `${unit} started on m1`,
});

let fx: Fixture;
beforeEach(async () => {
  fx = new Fixture();
  await fx.registry.appendEvents([started('a.service')]);
  await fx.registry.appendEvents([started('b.service'), started('c.service')]);
  await fx.registry.appendEvents([started('d.service')]);
});
afterEach(() => fx.close());

interface Page {
  events: { id: string; unit: string; kind: string; message: string; time: string }[];
  revision: string;
}

describe('GET /fleet/x/events', () => {
  it('answers every event oldest first with the revision read at', async () => {
    const r = await fx.request('GET', '/fleet/x/events');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    const page = r.json<Page>();
    expect(page.events.map((e) => e.unit)).toEqual([
      'a.service',
      'b.service',
      'c.service',
      'd.service',
    ]);
    expect(page.events[0]).toEqual({
      id: page.events[0]?.id,
      time: page.events[0]?.time,
      kind: 'unit.started',
      unit: 'a.service',
      machineId: 'm1',
      message: 'a.service started on m1',
    });
    expect(BigInt(page.revision)).toBeGreaterThanOrEqual(BigInt(page.events[3]?.id ?? '0'));
  });

  it('pages with after and limit, never splitting one write', async () => {
    const first = (await fx.request('GET', '/fleet/x/events?limit=2')).json<Page>();
    expect(first.events.map((e) => e.unit)).toEqual(['a.service', 'b.service', 'c.service']);
    const after = first.events.at(-1)?.id ?? '';
    const next = (await fx.request('GET', `/fleet/x/events?after=${after}&limit=2`)).json<Page>();
    expect(next.events.map((e) => e.unit)).toEqual(['d.service']);
    const none = await fx.request('GET', `/fleet/x/events?after=${next.revision}`);
    expect(none.json<Page>().events).toEqual([]);
  });

  it.each([
    ['after=abc', /invalid after "abc"/],
    ['after=-1', /invalid after/],
    ['limit=0', /invalid limit "0"/],
    ['limit=10001', /invalid limit/],
    ['limit=2x', /invalid limit/],
    ['follow=yes', /invalid follow "yes"/],
    ['follow=true&limit=3', /limit cannot be used with follow/],
    ['after=1&after=2', /after given more than once/],
    ['since=1', /unknown query parameter "since"/],
  ])('refuses ?%s with 400 and a message', async (query, message) => {
    const r = await fx.request('GET', `/fleet/x/events?${query}`);
    expect(r.status).toBe(400);
    const body = r.json<{ error: { code: number; message: string } }>();
    expect(body.error.code).toBe(400);
    expect(body.error.message).toMatch(message);
  });

  it('is GET only, and other /fleet/x paths are not resources', async () => {
    const post = await fx.request('POST', '/fleet/x/events');
    expect(post.status).toBe(405);
    expect(post.headers['allow']).toBe('GET');
    for (const path of [
      '/fleet/x/events/1',
      '/fleet/x/nothing',
      '/fleet/x/',
      '/fleet/x/toString',
    ]) {
      expect((await fx.request('GET', path)).status, path).toBe(404);
    }
    expect((await fx.request('GET', '/fleet/v1/events')).status).toBe(404);
  });

  it('answers 503 while the API is not ready', async () => {
    const notReady = new Fixture({ isReady: () => 'not registered' });
    expect((await notReady.request('GET', '/fleet/x/events')).status).toBe(503);
    await notReady.close();
  });
});
