// The client keeps connections alive; fleetd may close one as idle just as a request goes out.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEndpoint } from './endpoint.js';
import { ConnectionError } from './errors.js';
import { Transport } from './transport.js';

/**
 * A server that answers the first request of each connection and drops the connection when a
 * second one arrives on it: what a kept-alive connection closed by the server looks like to the
 * client that reuses it (deterministically, instead of racing an idle timeout).
 */
async function oneRequestPerConnection(): Promise<{
  url: string;
  seen: string[];
  close(): Promise<void>;
}> {
  const served = new WeakSet<Socket>();
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
    if (served.has(req.socket)) {
      req.socket.destroy();
      return;
    }
    served.add(req.socket);
    res.setHeader('Content-Type', 'application/json');
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('Transport over kept-alive connections', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  it('sends a request again on a new connection when the reused one was closed', async () => {
    const s = await oneRequestPerConnection();
    closers.push(s.close);
    const t = new Transport(parseEndpoint(s.url), 5_000, {}, undefined);
    closers.push(async () => t.close());
    expect((await t.request('GET', '/fleet/v1/units')).status).toBe(200);
    expect((await t.request('DELETE', '/fleet/v1/units/a.service')).status).toBe(200);
    expect((await t.request('PUT', '/fleet/v1/units/a.service', { x: 1 })).status).toBe(200);
    // Each later request was dropped once on the old connection, then answered on a new one.
    expect(s.seen).toEqual([
      'GET /fleet/v1/units',
      'DELETE /fleet/v1/units/a.service',
      'DELETE /fleet/v1/units/a.service',
      'PUT /fleet/v1/units/a.service',
      'PUT /fleet/v1/units/a.service',
    ]);
  });

  it('does not send a PATCH twice: the error is the caller’s to judge', async () => {
    const s = await oneRequestPerConnection();
    closers.push(s.close);
    const t = new Transport(parseEndpoint(s.url), 5_000, {}, undefined);
    closers.push(async () => t.close());
    await t.request('GET', '/fleet/v1/machines');
    await expect(t.request('PATCH', '/fleet/v1/machines', [])).rejects.toBeInstanceOf(
      ConnectionError,
    );
    expect(s.seen.filter((r) => r.startsWith('PATCH'))).toHaveLength(1);
  });
});
