// fleetd's API over TLS with roles from its configuration, and SIGHUP's reload: a CRL written
// after the start refuses the certificate it revokes without a restart.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestPki } from '@fleet/api/testing';
import { ApiError, ConnectionError, FleetClient } from '@fleet/client';
import { InMemoryRegistry } from '@fleet/registry';
import { RecordingLogger } from '@fleet/runtime';
import { FakeSystemd } from '@fleet/systemd';
import { waitFor } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from './config.js';
import { Fleetd } from './daemon.js';

let dir: string;
let pki: TestPki;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleetd-tls-'));
  pki = new TestPki(dir);
  pki.issue('ops', 'ops');
  pki.issue('monitor', 'monitor');
  await writeFile(join(dir, 'machine-id'), 'f1ee7d0000000000000000000000000a\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fleetd with TLS roles', () => {
  it('grants roles by subject and applies a new CRL on reload', async () => {
    const flags = (extra: Record<string, string>) =>
      buildConfig({
        flags: {
          units_directory: join(dir, 'units'),
          machine_id_file: join(dir, 'machine-id'),
          listen_unix: join(dir, 'fleet.sock'),
          public_ip: '127.0.0.1',
          listen_tcp: '127.0.0.1:0',
          tls_cert_file: pki.server.cert,
          tls_key_file: pki.server.key,
          tls_ca_file: pki.ca,
          tls_admin_subjects: 'CN=ops',
          tls_read_subjects: 'CN=monitor',
          ...extra,
        },
      }).config;
    const registry = new InMemoryRegistry();
    const log = new RecordingLogger();
    const d = await Fleetd.start(flags({ tls_crl_file: pki.crl() }), log, {
      registry,
      systemd: new FakeSystemd(),
    });
    const a = d.server.addresses.find((x) => x.kind === 'tcp');
    if (a?.kind !== 'tcp') throw new Error('no TCP listener');
    const client = (name: string) =>
      new FleetClient({
        endpoint: `https://127.0.0.1:${a.port}`,
        caFile: pki.ca,
        certFile: pki.path(`${name}.crt`),
        keyFile: pki.path(`${name}.key`),
      });
    const ops = client('ops');
    const monitor = client('monitor');
    try {
      await waitFor(() => d.agent.registered, { timeoutMs: 10_000, what: 'registration' });
      await ops.listUnits();
      expect(await monitor.listUnits()).toEqual([]);
      const refused = await monitor
        .createUnit({ name: 'a.service', options: [], desiredState: 'inactive' })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ApiError);
      expect((refused as ApiError).message).toBe('permission denied: role read cannot PUT units');

      pki.revoke('monitor');
      await d.reload(flags({ tls_crl_file: pki.path('ca.crl') }), () => undefined);
      const fresh = client('monitor');
      try {
        expect(await fresh.listUnits().catch((e: unknown) => e)).toBeInstanceOf(ConnectionError);
      } finally {
        fresh.close();
      }
      expect(await ops.listUnits()).toEqual([]);
    } finally {
      ops.close();
      monitor.close();
      await d.stop();
      await registry.close();
    }
  });
});
