// GET /fleet/x/events?follow=true through a real listener and FleetClient: the events before,
// then each new one; pings; the client leaving or aborting ends it; and a closing server ends
// the stream instead of waiting for it for ever.
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, FleetClient, type WireEvent } from '@fleet/client';
import { InMemoryRegistry, type EventInput } from '@fleet/registry';
import { waitFor } from '@fleet/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApi } from '../api.js';
import { startEventStream } from '../routes/events-stream.js';
import { FleetServer } from './fleet-server.js';

let dir: string;
let registry: InMemoryRegistry;
const cleanup: (() => Promise<void> | void)[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleet-events-'));
  registry = new InMemoryRegistry();
});
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

const started = (unit: string): EventInput => ({
  kind: 'unit.started',
  unit,
  machineId: 'm1',
  message: `${unit} started on m1`,
});

async function serve() {
  const path = join(dir, 'fleet.sock');
  const server = await FleetServer.listen(createApi({ registry, version: '1.0.0' }), {
    unixSocket: path,
    activation: false,
  });
  cleanup.push(() => server.close());
  const client = new FleetClient({ endpoint: `unix://${path}`, timeoutMs: 5_000 });
  cleanup.push(() => client.close());
  return { server, client, path };
}

/** Collects a follow into `seen` until it ends; resolves with how it ended. */
function collect(it: AsyncGenerator<WireEvent>, seen: WireEvent[]): Promise<string> {
  return (async () => {
    try {
      for await (const e of it) seen.push(e);
      return 'ended';
    } catch (err) {
      return `threw ${String(err)}`;
    }
  })();
}

describe('following the event log', () => {
  it('sends the events after an id, then each new one, until the client aborts', async () => {
    const { client } = await serve();
    await registry.appendEvents([started('a.service')]);
    await registry.appendEvents([started('b.service')]);
    const first = (await client.listEvents()).events[0]?.id ?? '';
    const abort = new AbortController();
    const seen: WireEvent[] = [];
    const done = collect(client.followEvents({ after: first, signal: abort.signal }), seen);
    await waitFor(() => seen.length === 1, { timeoutMs: 5_000, what: 'the listed event' });
    await registry.appendEvents([started('c.service'), started('d.service')]);
    await waitFor(() => seen.length === 3, { timeoutMs: 5_000, what: 'the new events' });
    expect(seen.map((e) => e.unit)).toEqual(['b.service', 'c.service', 'd.service']);
    expect(seen[1]).toEqual((await client.listEvents({ after: seen[0]?.id ?? '' })).events[0]);
    abort.abort();
    expect(await done).toBe('ended');
  });

  it('refuses a bad after with fleet error JSON before any stream', async () => {
    const { client } = await serve();
    const err = await collect(client.followEvents({ after: 'x' }), []);
    expect(err).toMatch(/invalid after "x"/);
    const e = await client
      .followEvents({ after: 'x' })
      .next()
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).status).toBe(400);
  });

  it('ends the stream when the server closes, so the close finishes', async () => {
    const { server, client } = await serve();
    const seen: WireEvent[] = [];
    const done = collect(client.followEvents(), seen);
    await registry.appendEvents([started('a.service')]);
    await waitFor(() => seen.length === 1, { timeoutMs: 5_000, what: 'an event' });
    await server.close();
    expect(await done).toBe('ended');
  });

  it('pings an idle stream and stops when the client goes', async () => {
    const path = join(dir, 'raw.sock');
    let ended = false;
    const raw = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.on('close', () => (ended = true));
      void registry.listEvents().then((listing) =>
        startEventStream({ reads: registry, registry }, req, res, listing, {
          pingMs: 5,
          log: { debug: () => undefined } as never,
        }),
      );
    });
    await new Promise<void>((r) => raw.listen(path, r));
    cleanup.push(() => new Promise<void>((r) => raw.close(() => r())));
    let text = '';
    const req = http.get({ socketPath: path, path: '/' }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
    });
    req.on('error', () => undefined);
    await waitFor(() => text.includes(': ping\n\n'), { timeoutMs: 5_000, what: 'a ping' });
    req.destroy();
    await waitFor(() => ended, { timeoutMs: 5_000, what: 'the stream to end' });
  });

  it('lists what a compacted history lost, then follows again', async () => {
    const stale = await registry.listEvents();
    await registry.appendEvents([started('a.service')]);
    await registry.appendEvents([started('b.service')]);
    await registry.compact((await registry.listEvents()).revision);
    const path = join(dir, 'compacted.sock');
    const raw = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      startEventStream({ reads: registry, registry }, req, res, stale, {
        log: { debug: () => undefined } as never,
      });
    });
    await new Promise<void>((r) => raw.listen(path, r));
    cleanup.push(() => new Promise<void>((r) => raw.close(() => r())));
    let text = '';
    const req = http.get({ socketPath: path, path: '/' }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
    });
    req.on('error', () => undefined);
    cleanup.push(() => void req.destroy());
    const units = () => [...text.matchAll(/"unit":"([^"]+)"/g)].map((m) => m[1]);
    await waitFor(() => units().length === 2, { timeoutMs: 5_000, what: 'the lost events' });
    await registry.appendEvents([started('c.service')]);
    await waitFor(() => units().length === 3, { timeoutMs: 5_000, what: 'the next event' });
    expect(units()).toEqual(['a.service', 'b.service', 'c.service']);
  });
});
