// The API's limits with real sockets: 1,000 slowloris connections (headers never finished) do not
// keep the API from answering, requests beyond the in-flight limit get 503 with Retry-After,
// and a client that stalls its headers or its TLS handshake is closed by the server.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { FleetClient } from '@fleet/client';
import { InMemoryRegistry } from '@fleet/registry';
import { ManualClock, RecordingLogger, systemClock, type Clock } from '@fleet/runtime';
import { waitFor } from '@fleet/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createApi, type ApiHandler } from '../api.js';
import { TestPki } from '../testing/index.js';
import { FleetServer } from './fleet-server.js';
import { BUSY_MESSAGE, DEFAULT_LIMITS, type ApiLimits } from './limits.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function serve(
  limits: Partial<ApiLimits> = {},
  wrap: (h: ApiHandler) => ApiHandler = (h) => h,
  tls = false,
  logger = new RecordingLogger(),
  clock: Clock = systemClock,
) {
  const registry = new InMemoryRegistry();
  let pki: TestPki | undefined;
  if (tls) pki = new TestPki();
  const server = await FleetServer.listen(wrap(createApi({ registry, version: '1' })), {
    unixSocket: null,
    activation: false,
    limits,
    logger,
    clock,
    tcp: [
      {
        host: '127.0.0.1',
        port: 0,
        ...(pki
          ? {
              tls: {
                key: readFileSync(pki.server.key),
                cert: readFileSync(pki.server.cert),
                ca: readFileSync(pki.ca),
              },
            }
          : {}),
      },
    ],
  });
  cleanup.push(async () => {
    await server.close();
    await registry.close();
    pki?.remove();
  });
  const a = server.addresses[0];
  if (a?.kind !== 'tcp') throw new Error('no TCP listener');
  return { server, port: a.port };
}

/** A connection that sends the start of a request and never finishes its headers. */
function slow(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.write('GET /fleet/v1/units HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      // Read what the server sends (a 408), so that its close is seen.
      s.resume();
      resolve(s);
    });
    s.on('error', () => {}); // a reset of an evicted connection
    s.once('error', reject);
  });
}

describe('1,000 slow connections', () => {
  it('do not keep the API from answering; beyond the cap the oldest slow ones are closed', async () => {
    const { server, port } = await serve();
    const sockets: net.Socket[] = [];
    cleanup.push(() => sockets.forEach((s) => s.destroy()));
    let closedByServer = 0;
    for (let i = 0; i < 1_000; i++) {
      const s = await slow(port);
      s.once('close', () => closedByServer++);
      sockets.push(s);
    }
    const client = new FleetClient({ endpoint: `http://127.0.0.1:${port}`, timeoutMs: 30_000 });
    cleanup.push(() => client.close());
    expect(await client.listUnits()).toEqual([]);
    await waitFor(() => closedByServer >= 1_000 - DEFAULT_LIMITS.maxConnections, {
      timeoutMs: 30_000,
      what: `the server to close slow connections (${closedByServer} closed)`,
    });
    expect(server.connections[0]).toBeLessThanOrEqual(DEFAULT_LIMITS.maxConnections);
  }, 120_000);
});

describe('requests in flight', () => {
  it('beyond the limit get 503 with Retry-After in fleet error shape; then are served again', async () => {
    const held: (() => void)[] = [];
    const { port } = await serve({ maxInFlight: 2 }, (api) => (req, res) => {
      if (req.url === '/fleet/v1/units?hold') held.push(() => api(req, res));
      else api(req, res);
    });
    const get = (path: string) =>
      new Promise<{ status: number; retry: string | undefined; body: string }>(
        (resolve, reject) => {
          http
            .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
              let body = '';
              res.setEncoding('utf8');
              res.on('data', (d: string) => (body += d));
              res.on('end', () =>
                resolve({ status: res.statusCode ?? 0, retry: res.headers['retry-after'], body }),
              );
            })
            .on('error', reject);
        },
      );
    const first = get('/fleet/v1/units?hold');
    const second = get('/fleet/v1/units?hold');
    await waitFor(() => held.length === 2, { what: 'two held requests' });
    expect(await get('/fleet/v1/units')).toEqual({
      status: 503,
      retry: '1',
      body: JSON.stringify({ error: { code: 503, message: BUSY_MESSAGE } }),
    });
    for (const release of held) release();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect((await get('/fleet/v1/units')).status).toBe(200);
  });
});

describe('stalled clients', () => {
  it('are closed when their headers do not arrive in time', async () => {
    const { port } = await serve({ headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 });
    const s = await slow(port);
    cleanup.push(() => {
      s.destroy();
    });
    let closed = false;
    s.once('close', () => (closed = true));
    // Node's own default waited 60 s.
    await waitFor(() => closed, { timeoutMs: 20_000, what: 'the server to close the connection' });
  }, 30_000);

  it('are closed when their TLS handshake does not finish in time', async () => {
    const { port } = await serve({ handshakeTimeoutMs: 1_000 }, (h) => h, true);
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.resume();
    cleanup.push(() => {
      s.destroy();
    });
    let closed = false;
    s.once('close', () => (closed = true));
    // Node's own default waited 120 s.
    await waitFor(() => closed, { timeoutMs: 20_000, what: 'the server to close the connection' });
  }, 30_000);

  it('that fail their TLS handshake are logged as one line, then one line a minute with the count', async () => {
    const log = new RecordingLogger();
    const clock = new ManualClock();
    const { port } = await serve({}, (h) => h, true, log, clock);
    let closed = 0;
    for (let i = 0; i < 20; i++) {
      const s = net.connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\n\r\n'));
      s.on('error', () => {});
      s.resume();
      s.once('close', () => closed++);
      cleanup.push(() => {
        s.destroy();
      });
    }
    await waitFor(() => closed === 20, { what: 'the server to drop 20 plaintext connections' });
    const lines = () =>
      log.records.filter((r) => r.msg === 'TLS handshakes with API clients failed');
    expect(lines().map((r) => r.fields['count'])).toEqual([1]);
    clock.advance(60_000);
    expect(lines().map((r) => r.fields['count'])).toEqual([1, 19]);
  });
});
