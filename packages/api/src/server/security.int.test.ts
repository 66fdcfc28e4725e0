// The API's doors with real sockets and real TLS: roles by certificate subject, revocation (also
// after a reload), the Host and Origin checks of plain listeners, the read-only unix socket, and
// the refusal of plain listeners other machines could reach.
import http from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, ConnectionError, FleetClient } from '@fleet/client';
import { InMemoryRegistry } from '@fleet/registry';
import { ManualClock, RecordingLogger, type Logger } from '@fleet/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../api.js';
import { serviceOptions, TestPki } from '../testing/index.js';
import { FleetServer, InsecureListenerError } from './fleet-server.js';
import type { TlsOptions } from './listener.js';
import { parseSubjects } from './roles.js';

let pki: TestPki;
let dir: string;
let registry: InMemoryRegistry;
const servers: FleetServer[] = [];

async function tlsOptions(crl?: string): Promise<TlsOptions> {
  return {
    key: await readFile(pki.server.key),
    cert: await readFile(pki.server.cert),
    ca: await readFile(pki.ca),
    ...(crl !== undefined ? { crl: await readFile(crl) } : {}),
    roles: { admin: parseSubjects('CN=ops,DNS=deploy.ci.test'), read: parseSubjects('CN=monitor') },
  };
}

async function listen(opts: Parameters<typeof FleetServer.listen>[1]): Promise<FleetServer> {
  const s = await FleetServer.listen(createApi({ registry, version: '1' }), {
    unixSocket: null,
    activation: false,
    ...opts,
  });
  servers.push(s);
  return s;
}

function tcpPort(s: FleetServer): number {
  const a = s.addresses[0];
  if (a?.kind !== 'tcp') throw new Error('expected a TCP listener');
  return a.port;
}

const failure = (p: Promise<unknown>) => p.then(() => undefined).catch((e: unknown) => e);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleet-security-'));
  pki = new TestPki(dir);
  pki.issue('ops', 'ops');
  pki.issue('ci', 'ci-runner-17', { san: 'DNS:deploy.ci.test' });
  pki.issue('monitor', 'monitor');
  pki.issue('stranger', 'etcd-peer');
  pki.issue('revoked', 'ops');
  pki.issue('later', 'ops');
  registry = new InMemoryRegistry();
  await registry.createUnit({
    name: 'a.service',
    options: serviceOptions(),
    desiredState: 'inactive',
  });
});

afterAll(async () => {
  for (const s of servers) await s.close();
  await registry.close();
  pki.remove();
  await rm(dir, { recursive: true, force: true });
});

describe('a TLS listener with roles and a CRL', () => {
  let endpoint: string;
  let server: FleetServer;
  const client = (name?: string) =>
    new FleetClient({
      endpoint,
      caFile: pki.ca,
      ...(name !== undefined
        ? { certFile: pki.path(`${name}.crt`), keyFile: pki.path(`${name}.key`) }
        : {}),
    });
  async function use<T>(name: string | undefined, f: (c: FleetClient) => Promise<T>): Promise<T> {
    const c = client(name);
    try {
      return await f(c);
    } finally {
      c.close();
    }
  }
  const create = (name: string) => (c: FleetClient) =>
    c.createUnit({ name, options: serviceOptions(), desiredState: 'inactive' });

  beforeAll(async () => {
    const crl = pki.revoke('revoked');
    server = await listen({ tcp: [{ host: '127.0.0.1', port: 0, tls: await tlsOptions(crl) }] });
    endpoint = `https://127.0.0.1:${tcpPort(server)}`;
  });

  it('refuses a client without a certificate at the handshake', async () => {
    expect(await failure(use(undefined, (c) => c.listUnits()))).toBeInstanceOf(ConnectionError);
  });

  it('gives admin by CN or by SAN: they can write', async () => {
    await use('ops', create('by-cn.service'));
    await use('ci', create('by-san.service'));
    expect(await registry.getUnit('by-san.service')).toBeDefined();
  });

  it('lets a read certificate list, and refuses its writes with 403 and one line', async () => {
    expect((await use('monitor', (c) => c.listUnits())).map((u) => u.name)).toContain('a.service');
    const err = await failure(use('monitor', create('by-monitor.service')));
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(403);
    expect((err as ApiError).message).toBe('permission denied: role read cannot PUT units');
    const destroy = await failure(use('monitor', (c) => c.destroyUnit('a.service')));
    expect((destroy as ApiError).message).toBe('permission denied: role read cannot DELETE units');
    expect(await registry.getUnit('by-monitor.service')).toBeUndefined();
    expect(await registry.getUnit('a.service')).toBeDefined();
  });

  it('gives nothing to a certificate the CA signed that matches no list', async () => {
    const err = await failure(use('stranger', (c) => c.listUnits()));
    expect((err as ApiError).status).toBe(403);
    expect((err as ApiError).message).toBe(
      'permission denied: the client certificate is not granted a role',
    );
  });

  it('refuses a revoked certificate at the handshake, and one revoked later after setTls', async () => {
    expect(await failure(use('revoked', (c) => c.listUnits()))).toBeInstanceOf(ConnectionError);
    expect(await use('later', (c) => c.listUnits())).toBeInstanceOf(Array);
    const crl = pki.revoke('later');
    server.setTls(await tlsOptions(crl));
    expect(await failure(use('later', (c) => c.listUnits()))).toBeInstanceOf(ConnectionError);
    expect(await use('ops', (c) => c.listUnits())).toBeInstanceOf(Array);
  });
});

/** A raw request, to send the headers a browser would. */
function raw(
  target: { port: number } | { socketPath: string },
  method: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        ...target,
        ...('port' in target ? { host: '127.0.0.1' } : {}),
        method,
        path: '/fleet/v1/units',
        headers,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('plain listeners', () => {
  it('refuse a forged Host and a web page, in fleet error shape; serve loopback and allowed names', async () => {
    const s = await listen({ tcp: [{ host: '127.0.0.1', port: 0 }], allowedHosts: ['fleet.test'] });
    const port = tcpPort(s);
    const forged = await raw({ port }, 'GET', { Host: 'attacker.example:49153' });
    expect(forged.status).toBe(403);
    expect(forged.body).toBe(
      '{"error":{"code":403,"message":"forbidden: Host \\"attacker.example:49153\\" is not this machine (allowed: loopback, IP addresses, localhost and the configured host names)"}}',
    );
    const page = await raw({ port }, 'GET', { Origin: 'http://attacker.example:49153' });
    expect(page.status).toBe(403);
    expect(JSON.parse(page.body)).toEqual({
      error: {
        code: 403,
        message:
          'forbidden: requests from web pages are not accepted (Origin "http://attacker.example:49153")',
      },
    });
    expect((await raw({ port }, 'GET', { Host: 'FLEET.test:49153' })).status).toBe(200);
    expect((await raw({ port }, 'GET', { Host: 'localhost' })).status).toBe(200);
    const c = new FleetClient({ endpoint: `http://127.0.0.1:${port}` });
    expect((await c.listUnits()).length).toBeGreaterThan(0);
    c.close();
  });

  it('are refused on any address but loopback unless insecure, which is logged at start and hourly', async () => {
    for (const host of ['0.0.0.0', '::'])
      await expect(listen({ tcp: [{ host, port: 0 }] })).rejects.toThrow(InsecureListenerError);
    expect(await failure(listen({ tcp: [{ host: '0.0.0.0', port: 0 }] }))).toHaveProperty(
      'message',
      'refusing to serve the API without TLS on 0.0.0.0:0, which is not a loopback address',
    );
    const warnings: string[] = [];
    const logger = {
      warn: (_o: unknown, msg: string) => warnings.push(msg),
      info: () => {},
      debug: () => {},
      error: () => {},
      child: () => logger,
    } as unknown as Logger;
    const clock = new ManualClock();
    const s = await listen({ tcp: [{ host: '0.0.0.0', port: 0 }], insecure: true, logger, clock });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/WITHOUT authentication on a non-loopback address/);
    clock.advance(3_600_000);
    expect(warnings).toHaveLength(2);
    await s.close();
    clock.advance(3_600_000);
    expect(warnings).toHaveLength(2);
  });
});

describe('TLS without roles', () => {
  it('keeps every CA-signed certificate admin, as before, and says so once at start', async () => {
    const log = new RecordingLogger();
    const tls = { ...(await tlsOptions()), roles: { admin: [], read: [] } };
    const s = await listen({ tcp: [{ host: '127.0.0.1', port: 0, tls }], logger: log });
    expect(log.records.filter((r) => r.level === 'warn').map((r) => r.msg)).toEqual([
      'API roles are not configured: every client certificate the CA signed is admin',
    ]);
    const c = new FleetClient({
      endpoint: `https://127.0.0.1:${tcpPort(s)}`,
      caFile: pki.ca,
      certFile: pki.path('stranger.crt'),
      keyFile: pki.path('stranger.key'),
    });
    try {
      await c.createUnit({
        name: 'by-anyone.service',
        options: serviceOptions(),
        desiredState: 'inactive',
      });
    } finally {
      c.close();
    }
  });
});

describe('the read-only unix socket', () => {
  it('lets its callers read and refuses their writes; the admin socket writes', async () => {
    const readPath = join(dir, 'read.sock');
    const adminPath = join(dir, 'admin.sock');
    await listen({ unixSocket: adminPath, readSocket: { path: readPath } });
    const reader = new FleetClient({ endpoint: `unix://${readPath}` });
    const admin = new FleetClient({ endpoint: `unix://${adminPath}` });
    try {
      expect((await reader.listUnits()).length).toBeGreaterThan(0);
      const err = await failure(reader.setDesiredState('a.service', 'launched'));
      expect((err as ApiError).message).toBe('permission denied: role read cannot PUT units');
      await admin.setDesiredState('a.service', 'loaded');
      expect((await registry.getUnit('a.service'))?.desiredState).toBe('loaded');
      const page = await raw({ socketPath: adminPath }, 'GET', { Origin: 'https://x.example' });
      expect(page.status).toBe(403);
    } finally {
      reader.close();
      admin.close();
    }
  });
});
