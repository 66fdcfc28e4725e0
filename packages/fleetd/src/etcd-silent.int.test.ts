// fleetd while etcd is silently unreachable (packets dropped, not refused): fleet's monitor line
// is logged when the machine's heartbeat fails, and SIGTERM still ends the real process cleanly
// (exit 0) within units/fleet.service's TimeoutStopSec, as fleet's TestMonitorVsShutdown asserts.
// systemd is faked (this host has no system bus); etcd, the process and its signals are real.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EtcdRegistry } from '@fleet/registry/etcd';
import { RecordingLogger } from '@fleet/runtime';
import { FakeSystemd } from '@fleet/systemd';
import { EtcdCluster, spawnTracked, TcpProxy, waitFor, type TrackedProcess } from '@fleet/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildConfig } from './config.js';
import { Fleetd } from './daemon.js';
import { MONITOR_TRIGGERED } from './monitor.js';
import { FAKE_SYSTEMD_FLEETD as FIXTURE } from './testing/index.js';

const SERVICE = fileURLToPath(new URL('../../../units/fleet.service', import.meta.url));

/** units/fleet.service's TimeoutStopSec in milliseconds: how long systemd waits before SIGKILL. */
async function timeoutStopMs(): Promise<number> {
  const m = /^TimeoutStopSec=(\d+)s?$/m.exec(await readFile(SERVICE, 'utf8'));
  if (m === null) throw new Error('units/fleet.service has no TimeoutStopSec=<seconds>');
  return Number(m[1]) * 1000;
}

describe('fleetd while etcd silently drops its packets', () => {
  let etcd: EtcdCluster;
  let proxy: TcpProxy;
  let dir: string;
  let registry: EtcdRegistry;
  let n = 0;

  beforeAll(async () => {
    etcd = await EtcdCluster.start();
    registry = new EtcdRegistry({ endpoints: etcd.endpoints, prefix: '/fleetd-silent/' });
  });
  afterAll(async () => {
    await registry?.close();
    await etcd?.stop();
  });
  beforeEach(async () => {
    const [host, port] = (etcd.endpoints[0] ?? '').replace('http://', '').split(':');
    proxy = await TcpProxy.start({ host: host ?? '127.0.0.1', port: Number(port) });
    dir = await mkdtemp(join(tmpdir(), 'fleetd-silent-'));
    n++;
    await writeFile(join(dir, 'machine-id'), `${'5'.repeat(31)}${n}\n`);
  });
  afterEach(async () => {
    await proxy?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const flags = () => ({
    etcd_servers: proxy.url,
    // As fleet's functional tests write it: no trailing slash.
    etcd_key_prefix: '/fleetd-silent',
    machine_id_file: join(dir, 'machine-id'),
    units_directory: join(dir, 'units'),
    listen_unix: join(dir, 'fleet.sock'),
    agent_ttl: '2s',
    etcd_request_timeout: '1.0',
    public_ip: '127.0.0.1',
  });
  const registered = async (id: string) =>
    (await registry.listMachines()).items.some((m) => m.id === id);

  it("logs fleet's monitor line when the heartbeat fails, and not on a clean stop", async () => {
    const log = new RecordingLogger();
    const d = await Fleetd.start(buildConfig({ flags: flags() }).config, log, {
      systemd: new FakeSystemd(),
    });
    const monitorLines = () => log.records.filter((r) => r.msg === MONITOR_TRIGGERED);
    try {
      // fleetd's own view, not etcd's: a blackhole right after the commit but before fleetd read
      // the answer leaves it with no session, and so nothing for the monitor to watch.
      await waitFor(async () => d.agent.registered && (await registered(d.machineId)), {
        timeoutMs: 20_000,
        what: 'registration',
      });
      expect(monitorLines()).toEqual([]);
      proxy.blackhole();
      await waitFor(() => monitorLines().length > 0, {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: "fleet's monitor line",
      });
      const [line] = monitorLines();
      expect(line?.level).toBe('error');
      expect(line?.fields).toMatchObject({
        component: 'monitor',
        machineId: d.machineId,
        ttlSeconds: 2,
      });
      expect(line?.fields.err).toBeInstanceOf(Error);
      // etcd answers again: the agent registers anew, and a clean stop adds no monitor line.
      proxy.restore();
      await waitFor(() => d.agent.registered, { timeoutMs: 30_000, what: 'registering again' });
      const before = monitorLines().length;
      await d.stop();
      expect(monitorLines()).toHaveLength(before);
      expect(await registered(d.machineId)).toBe(false);
    } finally {
      await d.stop();
    }
  });

  it('exits 0 on SIGTERM within TimeoutStopSec while the monitor is restarting', async () => {
    if (!existsSync(FIXTURE)) throw new Error(`${FIXTURE} is missing: build first (npx tsc -b)`);
    const deadline = await timeoutStopMs();
    const args = Object.entries(flags()).map(([k, v]) => `--${k}=${v}`);
    const p: TrackedProcess = spawnTracked('fleetd', process.execPath, [FIXTURE, ...args], {
      env: { PATH: process.env.PATH ?? '' },
    });
    try {
      const id = `${'5'.repeat(31)}${n}`;
      // As fleetd logs it, not only as etcd holds it (see above).
      await waitFor(async () => p.log().includes('machine registered') && (await registered(id)), {
        timeoutMs: 20_000,
        what: 'registration',
      });
      proxy.blackhole();
      await waitFor(() => p.log().includes(MONITOR_TRIGGERED), {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: "fleet's monitor line in the process's output",
      });
      // The agent is now registering again, its etcd calls unanswered: systemctl stop fleet.
      p.signal('SIGTERM');
      const exited = await Promise.race([
        p.exited,
        new Promise<'still running'>((r) => setTimeout(() => r('still running'), deadline)),
      ]);
      expect(exited, p.log()).toEqual({ code: 0, signal: null });
      expect(p.log()).toContain('fleetd stopped');
      expect(p.log()).not.toContain('shutdown did not finish');
    } finally {
      await p.kill();
    }
  }, 180_000);
});
