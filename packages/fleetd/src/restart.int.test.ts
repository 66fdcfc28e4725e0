// The real fleetd process on SIGTERM, with real etcd and systemd faked (this host has no system
// bus): when systemd is restarting its unit it hands the machine over and the next fleetd takes
// it over at once, the machine never leaving the cluster; a restart into a changed units
// directory, and a plain stop, drain as before.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdRegistry } from '@fleet/registry/etcd';
import { EtcdCluster, spawnTracked, waitFor, type TrackedProcess } from '@fleet/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_SYSTEMD_FLEETD as FIXTURE } from './testing/index.js';

const PREFIX = '/fleetd-restart/';

describe('fleetd restarted by systemd', () => {
  let etcd: EtcdCluster;
  let registry: EtcdRegistry;
  let dir: string;
  let id: string;
  let n = 0;
  let deleted: string[];
  let closeWatch: (() => Promise<void>) | undefined;
  const running: TrackedProcess[] = [];

  beforeAll(async () => {
    etcd = await EtcdCluster.start();
    registry = new EtcdRegistry({ endpoints: etcd.endpoints, prefix: PREFIX });
  });
  afterAll(async () => {
    await registry?.close();
    await etcd?.stop();
  });
  beforeEach(async () => {
    if (!existsSync(FIXTURE)) throw new Error(`${FIXTURE} is missing: build first (npx tsc -b)`);
    dir = await mkdtemp(join(tmpdir(), 'fleetd-restart-'));
    id = `${'7'.repeat(31)}${++n}`;
    await writeFile(join(dir, 'machine-id'), `${id}\n`);
    await writeConf();
    deleted = [];
    const w = registry.watchMachines((await registry.listMachines()).revision, (e) => {
      if (e.type === 'delete') deleted.push(e.machineId);
    });
    closeWatch = () => w.close();
  });
  afterEach(async () => {
    await closeWatch?.();
    for (const p of running.splice(0)) await p.kill();
    await rm(dir, { recursive: true, force: true });
  });

  const writeConf = (units = 'units') =>
    writeFile(
      join(dir, 'fleet.conf'),
      [
        `etcd_servers=${etcd.endpoints.join(',')}`,
        `etcd_key_prefix=${PREFIX}`,
        `machine_id_file=${join(dir, 'machine-id')}`,
        `units_directory=${join(dir, units)}`,
        `listen_unix=${join(dir, 'fleet.sock')}`,
        'agent_ttl=2s',
        'public_ip=127.0.0.1',
        '',
      ].join('\n'),
    );
  const listed = async () => (await registry.listMachines()).items.some((m) => m.id === id);

  /** Starts fleetd; `job` is what systemd runs on its unit when it is sent SIGTERM. */
  async function fleetd(job = ''): Promise<TrackedProcess> {
    const p = spawnTracked(
      'fleetd',
      process.execPath,
      [FIXTURE, `--config=${join(dir, 'fleet.conf')}`],
      {
        env: { PATH: process.env.PATH ?? '', FLEETD_FAKE_JOB: job },
      },
    );
    running.push(p);
    await waitFor(() => p.log().includes('machine registered'), {
      timeoutMs: 20_000,
      what: 'registration',
    });
    return p;
  }
  const stop = async (p: TrackedProcess) => {
    p.signal('SIGTERM');
    expect(await p.exited, p.log()).toEqual({ code: 0, signal: null });
  };

  it('hands the machine over on a restart; the next fleetd takes it over at once', async () => {
    const first = await fleetd('restart');
    await stop(first);
    expect(first.log()).toContain('machine handed over to the next fleetd');
    // Down for longer than agent_ttl: the machine stays.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await listed()).toBe(true);
    const second = await fleetd();
    expect(second.log()).toContain('took over the machine from the previous fleetd');
    expect(deleted).toEqual([]);
    // A stop (no restart job) drains: the machine leaves at once.
    await stop(second);
    expect(second.log()).toContain('no systemd job');
    expect(await listed()).toBe(false);
    expect(deleted).toEqual([id]);
  }, 60_000);

  it('drains on a restart into another units directory', async () => {
    const first = await fleetd('restart');
    await writeConf('units-elsewhere');
    await stop(first);
    expect(first.log()).toContain('restart with changed options: unitsDirectory');
    expect(first.log()).not.toContain('machine handed over');
    expect(await listed()).toBe(false);
    expect(deleted).toEqual([id]);
  }, 60_000);
});
