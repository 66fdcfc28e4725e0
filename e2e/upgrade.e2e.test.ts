// A package upgrade of a running cluster, as an operator does it: two builds of this checkout
// (`npm run package`, the second with `--version`: another .deb, another executable that reports
// another version), the first installed from its .deb on three machines without Node.js and
// running 20 units, then `dpkg -i` of the second on one machine after the other. No unit's main
// process changes (read from systemd in the machines), no machine's record is ever deleted or
// missing, no assignment changes, and each machine ends up running the new fleetd. Past the
// hand-over lease nothing has moved either; `systemctl stop fleet` still drains.
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FleetClient } from '@fleet/client';
import { EtcdRegistry } from '@fleet/registry/etcd';
import { EtcdCluster, waitFor } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectDir } from './src/project.js';
import {
  activeCopies,
  bootMachines,
  fleetClient,
  installFleet,
  runOk,
  sh,
  unitProperty,
  type Machines,
  type NspawnMachine,
} from './src/index.js';

const PREFIX = `/fleet-e2e-upgrade-${process.pid}/`;
const UNITS = Array.from({ length: 20 }, (_, i) => `upgrade-${String(i).padStart(2, '0')}.service`);
const options = (name: string) => [
  { section: 'Unit', name: 'Description', value: `upgrade e2e ${name}` },
  { section: 'Service', name: 'ExecStart', value: "/bin/sh -c 'exec sleep infinity'" },
];

/** Builds the package as `version` (package.json's when undefined) into `out`. */
async function buildDeb(out: string, version?: string): Promise<void> {
  const args = ['--prefix', projectDir(), 'run', 'package', '--', '--out', out];
  await runOk('npm', version === undefined ? args : [...args, '--version', version], {
    timeoutMs: 480_000,
  });
}

/** Where each active unit runs and its main PID (`node:pid`), from every machine's systemd. */
const running = (machines: readonly NspawnMachine[]): Promise<Map<string, string>> =>
  activeCopies(machines, UNITS);

/** The installed package's version and what its programs and fleetd's process report. */
async function installed(m: NspawnMachine) {
  const pid = await unitProperty(m, 'fleet.service', 'MainPID');
  return {
    dpkg: (await sh(m, "dpkg-query -W -f='${Version}' fleet")).trim(),
    fleetctl: (await sh(m, 'fleetctl version')).trim(),
    fleetd: (await sh(m, 'fleetd --version')).trim(),
    // the daemon's executable: /usr/bin/fleet, not the replaced file ("(deleted)")
    exe: (await sh(m, `readlink /proc/${pid}/exe`)).trim(),
    pid,
  };
}

/** Runs `assertions`; if they fail, prints the machine's fleetd log first. */
async function check(m: NspawnMachine, assertions: () => Promise<void>): Promise<void> {
  try {
    await assertions();
  } catch (err) {
    const log = await m.exec('journalctl', ['-u', 'fleet.service', '--no-pager', '-n', '60']);
    console.log(`${m.name}'s fleetd log:\n${log.stdout}`);
    throw err;
  }
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('upgrading a 3-machine cluster from one .deb build to another under 20 units', () => {
  let out: string;
  let versionA: string;
  const versionB = (v: string) => `${v.replace(/\d+$/, (n) => String(Number(n) + 1))}-upgrade`;
  let etcd: EtcdCluster;
  let machines: Machines;
  let registry: EtcdRegistry;
  const apis = new Map<string, FleetClient>();
  /** Machine records deleted since the units were placed (a machine leaving the cluster). */
  const left: string[] = [];
  let closeWatch: (() => Promise<void>) | undefined;
  let nodes: readonly NspawnMachine[] = [];

  const api = (m: NspawnMachine): FleetClient => {
    let c = apis.get(m.name);
    if (c === undefined) apis.set(m.name, (c = fleetClient(m)));
    return c;
  };
  const placements = async () =>
    (await registry.listAssignments()).items.map((a) => `${a.unit}@${a.machineId}`).sort();

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'fleet-upgrade-e2e-'));
    const pkg = JSON.parse(await readFile(join(projectDir(), 'package.json'), 'utf8')) as {
      version: string;
    };
    versionA = pkg.version;
    await buildDeb(join(out, 'a'));
    await buildDeb(join(out, 'b'), versionB(versionA));
    etcd = await EtcdCluster.start();
    registry = new EtcdRegistry({ endpoints: etcd.endpoints, prefix: PREFIX });
    machines = await bootMachines(3, { bindProject: false });
    nodes = machines.list;
    const debA = join(out, 'a', `fleet_${versionA}_amd64.deb`);
    const debB = join(out, 'b', `fleet_${versionB(versionA).replace('-', '~')}_amd64.deb`);
    for (const m of nodes) {
      const init = m.initProcess?.pid;
      if (init === undefined) throw new Error(`${m.name} has no init process`);
      await copyFile(debB, `/proc/${init}/root/root/fleet-b.deb`);
    }
    await Promise.all(
      nodes.map((m) =>
        installFleet(m, { etcdUrl: etcd.endpoints.join(','), prefix: PREFIX, deb: debA }),
      ),
    );
    // Registered, and every machine's API serves (a registered fleetd may still be connecting).
    await waitFor(
      async () =>
        (await registry.listMachines()).items.length === 3 &&
        (
          await Promise.all(
            nodes.map((m) =>
              api(m)
                .listMachines()
                .then((ms) => ms.length === 3)
                .catch(() => false),
            ),
          )
        ).every(Boolean),
      { timeoutMs: 60_000, intervalMs: 250, what: 'the three machines to register and serve' },
    );
    for (const name of UNITS)
      await api(nodes[0] as NspawnMachine).createUnit({
        name,
        options: options(name),
        desiredState: 'launched',
      });
    await waitFor(async () => (await running(nodes)).size === UNITS.length, {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: 'all 20 units to be active',
    });
    const w = registry.watchMachines((await registry.listMachines()).revision, (e) => {
      if (e.type === 'delete') left.push(e.machineId);
    });
    closeWatch = () => w.close();
  });

  afterAll(async () => {
    await closeWatch?.();
    for (const c of apis.values()) c.close();
    await registry?.close();
    await machines?.teardown();
    await etcd?.stop();
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  it('every machine runs build A from its .deb, and the units are spread over them', async () => {
    for (const m of nodes) {
      const v = await installed(m);
      expect(v).toMatchObject({
        dpkg: versionA,
        fleetctl: `fleetctl version ${versionA}`,
        fleetd: `fleetd version ${versionA}`,
        exe: '/usr/bin/fleet',
      });
      expect((await m.exec('sh', ['-c', 'command -v node nodejs'])).stdout).toBe('');
    }
    const where = [...(await running(nodes)).values()].map((w) => w.split(':')[0]);
    expect(new Set(where).size).toBe(3);
  });

  it('`dpkg -i` of build B on each machine in turn: no unit restarts or moves, no machine leaves', async () => {
    const figures: string[] = [];
    const gaps: number[] = [];
    for (const m of nodes) {
      const before = await running(nodes);
      const assigned = await placements();
      const was = await installed(m);
      // During the upgrade: the machine records, and this machine's API, sampled back to back.
      let sampling = true;
      const counts: number[] = [];
      const sampleRecords = (async () => {
        while (sampling) {
          counts.push((await registry.listMachines()).items.length);
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      let lastAnswer = performance.now();
      let gap = 0;
      let answers = 0;
      let failures = 0;
      const errors = new Set<string>();
      const probeApi = (async () => {
        while (sampling) {
          const ok = await api(m)
            .listMachines()
            .then(
              () => true,
              (err: unknown) => {
                errors.add(err instanceof Error ? err.message : String(err));
                return false;
              },
            );
          const now = performance.now();
          if (ok) {
            answers += 1;
            gap = Math.max(gap, now - lastAnswer);
            lastAnswer = now;
          } else {
            failures += 1;
            await new Promise((r) => setTimeout(r, 10));
          }
        }
      })();
      const t0 = performance.now();
      await sh(m, 'dpkg -i /root/fleet-b.deb', 120_000);
      const dpkgMs = performance.now() - t0;
      await waitFor(
        async () =>
          (
            await api(m)
              .listMachines()
              .catch(() => [])
          ).length === 3,
        { timeoutMs: 60_000, intervalMs: 20, what: `${m.name}'s new fleetd to serve` },
      );
      sampling = false;
      await Promise.all([sampleRecords, probeApi]);
      gaps.push(gap);
      if (errors.size > 0) console.log(`${m.name}: failed requests: ${[...errors].join('; ')}`);
      figures.push(
        `${m.name}: dpkg -i ${Math.round(dpkgMs)} ms; API's longest silence ${Math.round(gap)} ms ` +
          `(${answers} answers, ${failures} failed requests); ` +
          `${counts.length} samples of the machine records, fewest machines ${Math.min(...counts)}; ` +
          `${[...before.values()].filter((w) => w.startsWith(`${m.name}:`)).length} units here`,
      );
      await check(m, async () => {
        const now = await installed(m);
        expect(now).toMatchObject({
          dpkg: versionB(versionA).replace('-', '~'),
          fleetctl: `fleetctl version ${versionB(versionA)}`,
          fleetd: `fleetd version ${versionB(versionA)}`,
          exe: '/usr/bin/fleet',
        });
        expect(now.pid).not.toBe(was.pid);
        expect(await unitProperty(m, 'fleet.service', 'ActiveState')).toBe('active');
        // the daemon's name as `pidof` sees it is still fleetd
        expect((await sh(m, 'pidof fleetd')).trim()).toBe(now.pid);
        const record = (await registry.listMachines()).items.find((r) => r.id === m.machineId);
        expect(record?.version).toBe(versionB(versionA));
        expect(await running(nodes)).toEqual(before);
        expect(await placements()).toEqual(assigned);
        expect(new Set(counts)).toEqual(new Set([3]));
        expect(left).toEqual([]);
      });
    }
    figures.push(`median longest API silence: ${Math.round(median(gaps) ?? 0)} ms`);
    console.log(figures.join('\n'));
  });

  it('nothing moves once the hand-over leases would have expired', async () => {
    const before = await running(nodes);
    const assigned = await placements();
    // Past the 30 s hand-over lease: a new fleetd that had not taken its machine over would have
    // lost it by now, and the machine's units would be moving.
    await new Promise((r) => setTimeout(r, 35_000));
    expect((await registry.listMachines()).items.map((r) => r.version)).toEqual(
      Array(3).fill(versionB(versionA)),
    );
    expect(await running(nodes)).toEqual(before);
    expect(await placements()).toEqual(assigned);
    expect(left).toEqual([]);
  });

  it('`systemctl stop fleet` on the new build still drains: the units move away', async () => {
    const before = await running(nodes);
    const counts = nodes.map(
      (m) => [...before.values()].filter((w) => w.startsWith(`${m.name}:`)).length,
    );
    const m = nodes[counts.indexOf(Math.max(...counts))] as NspawnMachine;
    expect(Math.max(...counts)).toBeGreaterThan(0);
    await sh(m, 'systemctl stop fleet.service', 120_000);
    await waitFor(
      async () => {
        const now = await running(nodes);
        return (
          now.size === UNITS.length && [...now.values()].every((w) => !w.startsWith(`${m.name}:`))
        );
      },
      { timeoutMs: 120_000, intervalMs: 500, what: `${m.name}'s units to run elsewhere` },
    );
    expect(left).toEqual([m.machineId]);
  });
});
