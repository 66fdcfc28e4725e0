// `promtool check metrics` (Prometheus's own linter) on a real fleetd's /metrics, served by its
// metrics-only listener, over a real etcd (systemd faked): after the engine led, placed a unit and
// timed its etcd requests, so that every series has samples. promtool comes from
// $FLEET_PROMTOOL (scripts/test-env.sh sets it) or scripts/promtool.sh.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EtcdRegistry } from '@fleet/registry/etcd';
import { RecordingLogger } from '@fleet/runtime';
import { FakeSystemd } from '@fleet/systemd';
import { EtcdCluster, waitFor } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from './config.js';
import { Fleetd } from './daemon.js';

const ID = 'f1ee7d00000000000000000000000003';
const PREFIX = '/fleetd-promtool/';

function promtool(): string {
  const given = process.env['FLEET_PROMTOOL'];
  if (given !== undefined && given !== '') return given;
  const script = fileURLToPath(new URL('../../../scripts/promtool.sh', import.meta.url));
  return execFileSync(script, { encoding: 'utf8' }).trim();
}

describe('promtool check metrics on a real fleetd', () => {
  let etcd: EtcdCluster;
  let dir: string;
  let registry: EtcdRegistry;
  let d: Fleetd | undefined;

  beforeAll(async () => {
    etcd = await EtcdCluster.start();
    dir = await mkdtemp(join(tmpdir(), 'fleetd-promtool-'));
    await writeFile(join(dir, 'machine-id'), `${ID}\n`);
    registry = new EtcdRegistry({ endpoints: etcd.endpoints, prefix: PREFIX });
  });

  afterAll(async () => {
    await d?.stop();
    await registry?.close();
    await etcd?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("finds no problem in the metrics-only listener's /metrics", async () => {
    const tool = promtool();
    const log = new RecordingLogger();
    const config = buildConfig({
      flags: {
        etcd_servers: etcd.endpoints.join(','),
        etcd_key_prefix: PREFIX,
        machine_id_file: join(dir, 'machine-id'),
        units_directory: join(dir, 'units'),
        listen_unix: join(dir, 'fleet.sock'),
        public_ip: '127.0.0.1',
        metrics_listen: '127.0.0.1:0',
      },
    }).config;
    d = await Fleetd.start(config, log, { systemd: new FakeSystemd() });
    const at = String(log.records.find((r) => r.msg === 'fleetd started')?.fields['metrics']);
    const scrape = async () => {
      const res = await fetch(`http://${at}/metrics`);
      expect(res.status).toBe(200);
      return res.text();
    };
    await registry.createUnit({
      name: 'hello.service',
      options: [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }],
      desiredState: 'launched',
    });
    await waitFor(
      async () => /^fleet_engine_tasks_total\{type="schedule"\} 1$/m.test(await scrape()),
      {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: 'the leader to place hello.service',
      },
    );
    const text = await scrape();
    expect(text).toMatch(/^fleet_engine_leader 1$/m);
    expect(text).toMatch(/^fleet_units\{state="launched"\} 1$/m);
    expect(text).toMatch(/^fleet_registry_request_duration_seconds_count\{op="txn"\} [1-9]/m);
    expect(text).toMatch(/^fleet_registry_request_duration_seconds_count\{op="range"\} [1-9]/m);
    const check = spawnSync(tool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error).toBeUndefined();
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
  });
});
