// Plain HTTP (unix socket or TCP) tells node's agent there is no TLS server name: otherwise the
// agent works one out for every request, testing the Host header (`domain-sock` on a unix
// socket) against node's IPv6 pattern, whose first use costs a CLI 10-40 ms of its run.
import http from 'node:http';
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { parseEndpoint } from './endpoint.js';
import { Transport } from './transport.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of cleanups.splice(0)) await c();
});

async function serve(listen: (s: http.Server) => Promise<string>): Promise<string> {
  const server = http.createServer((_req, res) => res.end('{}'));
  const endpoint = await listen(server);
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return endpoint;
}

it.each([
  [
    'a unix socket',
    async (s: http.Server) => {
      const dir = await mkdtemp(join(tmpdir(), 'client-sn-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const path = join(dir, 'fleet.sock');
      await new Promise<void>((resolve) => s.listen(path, resolve));
      return `unix://${path}`;
    },
  ],
  [
    'TCP',
    async (s: http.Server) => {
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(s.address() as net.AddressInfo).port}`;
    },
  ],
])('requests over %s test no address for a TLS server name', async (_what, listen) => {
  const endpoint = await serve(listen);
  const isIP = vi.spyOn(net, 'isIP');
  const t = new Transport(parseEndpoint(endpoint), 5000, {}, undefined);
  try {
    for (let i = 0; i < 3; i++)
      expect((await t.request('GET', '/fleet/v1/units')).status).toBe(200);
  } finally {
    t.close();
  }
  expect(isIP).not.toHaveBeenCalled();
});
