// TLS with client certificates: certificates made with openssl in a temp dir; only clients with
// a certificate from the server's CA get in.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryRegistry } from '@fleet/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../api.js';
import { ConnectionError, FleetClient } from '@fleet/client';
import { serviceOptions } from '../testing/index.js';
import { FleetServer } from './fleet-server.js';

let dir: string;
let registry: InMemoryRegistry;
let server: FleetServer;
let endpoint: string;
let port: number;
const pem = (name: string) => join(dir, name);

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A key and a certificate for `cn` signed by `ca` (with `ext` as extensions). */
function issue(name: string, cn: string, ca: string, ext: string): void {
  openssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${cn}`,
  );
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-extfile',
    ext,
  );
}

function authority(name: string): void {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleet-tls-'));
  await writeFile(
    pem('server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  await writeFile(pem('client.ext'), 'extendedKeyUsage=clientAuth\n');
  authority('ca');
  authority('rogue-ca');
  issue('server', 'localhost', 'ca', 'server.ext');
  issue('client', 'fleetctl', 'ca', 'client.ext');
  issue('rogue', 'intruder', 'rogue-ca', 'client.ext');

  registry = new InMemoryRegistry();
  await registry.createUnit({
    name: 'a.service',
    options: serviceOptions(),
    desiredState: 'inactive',
  });
  server = await FleetServer.listen(createApi({ registry, version: '1' }), {
    unixSocket: null,
    activation: false,
    tcp: [
      {
        host: '127.0.0.1',
        port: 0,
        tls: {
          key: await readFile(pem('server.key')),
          cert: await readFile(pem('server.crt')),
          ca: await readFile(pem('ca.crt')),
        },
      },
    ],
  });
  const address = server.addresses[0];
  if (address?.kind !== 'tcp' || !address.tls) throw new Error('expected a TLS listener');
  port = address.port;
  endpoint = `https://127.0.0.1:${port}`;
});

afterAll(async () => {
  await server.close();
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

describe('TLS listener with client-certificate verification', () => {
  it('serves a client with a certificate from its CA', async () => {
    const client = new FleetClient({
      endpoint,
      caFile: pem('ca.crt'),
      certFile: pem('client.crt'),
      keyFile: pem('client.key'),
    });
    try {
      expect((await client.listUnits()).map((u) => u.name)).toEqual(['a.service']);
    } finally {
      client.close();
    }
  });

  it.each([
    ['no client certificate', { caFile: 'ca.crt' }],
    [
      'a certificate from another CA',
      { caFile: 'ca.crt', certFile: 'rogue.crt', keyFile: 'rogue.key' },
    ],
    ['a client that does not trust the server', { certFile: 'client.crt', keyFile: 'client.key' }],
  ])(
    'refuses %s',
    async (_what, files: { caFile?: string; certFile?: string; keyFile?: string }) => {
      const client = new FleetClient({
        endpoint,
        ...Object.fromEntries(Object.entries(files).map(([k, v]) => [k, pem(v)])),
      });
      try {
        const failure = await client.listUnits().catch((e: unknown) => e);
        expect(failure).toBeInstanceOf(ConnectionError);
        expect((failure as Error).message).toContain(`cannot reach the fleet API at ${endpoint}`);
      } finally {
        client.close();
      }
    },
  );

  it('runs TLS over a caller-supplied connection too', async () => {
    const client = new FleetClient({
      endpoint,
      caFile: pem('ca.crt'),
      certFile: pem('client.crt'),
      keyFile: pem('client.key'),
      createConnection: () => net.connect(port, '127.0.0.1'),
    });
    expect((await client.getUnit('a.service'))?.name).toBe('a.service');
  });

  it('reports an unreadable certificate file at construction', () => {
    expect(() => new FleetClient({ endpoint, caFile: pem('missing.crt') })).toThrow(
      /cannot read the CA file .*missing.crt/,
    );
  });
});
