import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, FleetClient } from '@fleet/api';
import { EtcdRegistry } from '@fleet/registry';
import { RecordingLogger } from '@fleet/runtime';
import { FakeSystemd } from '@fleet/systemd';
import { EtcdCluster, waitFor } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from './config.js';
import { VERSION } from './version.js';
import { Fleetd } from './daemon.js';

const ID = 'f1ee7d00000000000000000000000001';

describe('fleetd with real etcd (systemd faked)', () => {
  let etcd: EtcdCluster;
  let dir: string;
  let registry: EtcdRegistry;

  beforeAll(async () => {
    etcd = await EtcdCluster.start();
    dir = await mkdtemp(join(tmpdir(), 'fleetd-int-'));
    await writeFile(join(dir, 'machine-id'), `${ID}\n`);
    registry = new EtcdRegistry({ endpoints: etcd.endpoints, prefix: '/fleetd-int/' });
  });

  afterAll(async () => {
    await registry?.close();
    await etcd?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const config = (extra: Record<string, string> = {}) =>
    buildConfig({
      flags: {
        etcd_servers: etcd.endpoints.join(','),
        etcd_key_prefix: '/fleetd-int/',
        machine_id_file: join(dir, 'machine-id'),
        units_directory: join(dir, 'units'), // and the session file beside it
        listen_unix: join(dir, 'fleet.sock'),
        agent_ttl: '2s',
        public_ip: '127.0.0.1',
        metadata: 'role=web',
        ...extra,
      },
    }).config;

  it('answers 503 while another live fleetd holds its machine ID, then registers and serves', async () => {
    const holder = await registry.registerMachine(
      {
        id: ID,
        publicIP: '127.0.0.9',
        metadata: {},
        health: {},
        version: 'other',
        capabilities: [],
      },
      2,
    );
    const log = new RecordingLogger();
    const d = await Fleetd.start(config(), log, { systemd: new FakeSystemd() });
    const api = new FleetClient({ endpoint: `unix://${join(dir, 'fleet.sock')}` });
    try {
      const err = await api.listUnits().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({
        status: 503,
        message: 'fleet server unable to communicate with etcd',
      });
      await waitFor(
        () => log.records.some((r) => r.level === 'error' && r.msg.includes('already registered')),
        { timeoutMs: 10_000, what: 'the duplicate machine ID to be logged' },
      );
      await holder.close();
      await waitFor(async () => (await api.listMachines().catch(() => [])).length === 1, {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: 'fleetd to register',
      });
      expect(await api.listMachines()).toEqual([
        {
          id: ID,
          primaryIP: '127.0.0.1',
          metadata: { role: 'web' },
          version: VERSION,
          health: expect.objectContaining({ systemState: 'running', version: VERSION }) as unknown,
        },
      ]);

      // SIGHUP: new metadata applied at once, listeners kept.
      await d.reload(config({ metadata: 'role=db' }), () => undefined);
      expect(log.records.some((r) => r.msg === 'Reloading configuration')).toBe(true);
      await waitFor(async () => (await api.listMachines())[0]?.metadata?.role === 'db', {
        timeoutMs: 10_000,
        what: 'new metadata',
      });
      expect(d.dumpState()).toMatchObject({ machineId: ID, agent: { registered: true } });
    } finally {
      api.close();
      await d.stop();
    }
    expect((await registry.listMachines()).items).toEqual([]); // drained and gone
  });

  it('stops within its deadline while etcd is unreachable', async () => {
    const d = await Fleetd.start(
      config({ etcd_servers: 'http://127.0.0.1:1', listen_unix: join(dir, 'other.sock') }),
      new RecordingLogger(),
      { systemd: new FakeSystemd() },
    );
    await d.stop(); // must return (fleetd bounds it to a minute); the test's timeout catches a hang
    expect(d.agent.registered).toBe(false);
  }, 90_000);
});
