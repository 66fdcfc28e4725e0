// fleetd against etcd with TLS and authentication on, as the README's "etcd access" sets it up:
// a `fleet` user and role with readwrite on fleet's default key prefix and nothing else; fleetd
// logs in with etcd_username/etcd_password, or as its client certificate's CN.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FleetClient } from '@fleet/client';
import { DEFAULT_PREFIX } from '@fleet/registry';
import { EtcdRegistry } from '@fleet/registry/etcd';
import { RecordingLogger } from '@fleet/runtime';
import { FakeSystemd } from '@fleet/systemd';
import { EtcdCluster, waitFor } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from './config.js';
import { Fleetd } from './daemon.js';

describe('fleetd on etcd with TLS and auth (least-privilege role on the default prefix)', () => {
  let etcd: EtcdCluster;
  let dir: string;

  beforeAll(async () => {
    etcd = await EtcdCluster.start({ tls: true, auth: {} });
    dir = await mkdtemp(join(tmpdir(), 'fleetd-auth-'));
  });
  afterAll(async () => {
    await etcd?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  /** With a password, fleetd's certificate has no CN (it names no etcd user): only the password lets it in. */
  const run = async (name: string, id: string, login: Record<string, string>) => {
    if (etcd.tls === undefined || etcd.auth === undefined) throw new Error('etcd did not start');
    expect(etcd.auth.prefix).toBe(DEFAULT_PREFIX);
    await writeFile(join(dir, `${name}-id`), `${id}\n`);
    const config = buildConfig({
      flags: {
        etcd_servers: etcd.endpoints.join(','),
        etcd_cafile: etcd.tls.caFile,
        etcd_certfile:
          'etcd_password' in login ? etcd.tls.gatewayCertFile : etcd.tls.clientCertFile,
        etcd_keyfile: 'etcd_password' in login ? etcd.tls.gatewayKeyFile : etcd.tls.clientKeyFile,
        ...login,
        machine_id_file: join(dir, `${name}-id`),
        units_directory: join(dir, `units-${name}`),
        listen_unix: join(dir, `${name}.sock`),
        agent_ttl: '2s',
        public_ip: '127.0.0.1',
      },
    }).config;
    const d = await Fleetd.start(config, new RecordingLogger(), { systemd: new FakeSystemd() });
    const api = new FleetClient({ endpoint: `unix://${join(dir, `${name}.sock`)}` });
    // root sees what fleetd wrote under the default prefix.
    const root = new EtcdRegistry({
      endpoints: etcd.endpoints,
      prefix: DEFAULT_PREFIX,
      credentials: {
        rootCertificate: await readFile(etcd.tls.caFile),
        certChain: await readFile(etcd.tls.clientCertFile),
        privateKey: await readFile(etcd.tls.clientKeyFile),
      },
      auth: { username: 'root', password: etcd.auth.rootPassword },
    });
    try {
      await waitFor(async () => (await api.listMachines().catch(() => [])).length === 1, {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: `fleetd (${name}) to register`,
      });
      await api.createUnit({
        name: `${name}.service`,
        options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }],
        desiredState: 'launched',
      });
      // The engine (elected through the role's keys) schedules it to this machine.
      await waitFor(
        async () =>
          (await root.listAssignments(id)).items.some((a) => a.unit === `${name}.service`),
        { timeoutMs: 30_000, intervalMs: 100, what: `${name}.service to be scheduled` },
      );
      expect((await root.listMachines()).items.map((m) => m.id)).toEqual([id]);
    } finally {
      api.close();
      await d.stop();
      await root.close();
    }
  };

  it('works with etcd_username and etcd_password', async () => {
    await run('password', 'f1ee7d0000000000000000000000a001', {
      etcd_username: etcd.auth?.username ?? '',
      etcd_password: etcd.auth?.password ?? '',
    });
  });

  it("works as the client certificate's CN, with no password", async () => {
    await run('cn', 'f1ee7d0000000000000000000000a002', {});
  });
});
