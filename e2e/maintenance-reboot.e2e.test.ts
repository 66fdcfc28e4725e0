// Coordinated OS updates on three real machines (docs/operating.md, "Coordinated maintenance"): with
// a maintenance limit of 1, two machines run the updater hook at the same moment,
// `fleetctl maintenance enter --wait && systemctl reboot`. Sampled throughout from etcd and from
// systemd in the machines: never two machines in maintenance or down at once, each reboots while
// it holds the slot, both come back (same machine ID, fleetd started at boot) and release the
// slot by themselves, and a template's 4 instances never drop below 4 - UpdateMaxParallel active.
import { waitFor } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeOn, Cluster, sh, type NspawnMachine } from './src/index.js';

const INSTANCES = [1, 2, 3, 4].map((i) => `upd@${i}.service`);
const MAX_PARALLEL = 1;

const TEMPLATE = [
  '[Unit]',
  'Description=maintenance e2e %i',
  '[Service]',
  "ExecStart=/bin/sh -c 'exec sleep infinity'",
  '[X-Fleet]',
  `UpdateMaxParallel=${MAX_PARALLEL}`,
  'UpdateMinHealthySec=1',
  'UpdateHealthyDeadlineSec=30',
  '',
].join('\n');

/** What the OS updater of a machine runs (as a service of its own, so the reboot ends it). */
const HOOK = "fleetctl maintenance enter --wait --reason 'os update' && systemctl reboot";

interface Sample {
  readonly holders: readonly string[];
  /** Machines registered in etcd (a rebooting one leaves: its stop job drains fleetd). */
  readonly registered: readonly string[];
  /** How many times each machine has booted. */
  readonly boots: Readonly<Record<string, number>>;
  /** Active instances, read from systemd (`systemctl show`) on the running machines. */
  readonly active: number;
}

async function activeCount(machines: readonly NspawnMachine[]): Promise<number> {
  const counts = await Promise.all(
    machines.map(async (m) =>
      m.running ? (await activeOn(m, INSTANCES).catch(() => new Map())).size : 0,
    ),
  );
  return counts.reduce((a, b) => a + b, 0);
}

describe('coordinated maintenance: OS updates reboot machines one at a time', () => {
  let c: Cluster;

  beforeAll(async () => {
    c = await Cluster.start({ machines: 3, persistent: true });
    const node3 = c.node('node3');
    await sh(
      node3,
      [
        'set -e',
        'mkdir -p /root/deploy && cd /root/deploy',
        `cat > upd@.service <<'UNIT'\n${TEMPLATE}UNIT`,
        ...INSTANCES.map((u) => `ln -sfn upd@.service ${u}`),
        'fleetctl apply --wait /root/deploy >/dev/null',
        'fleetctl maintenance limit 1',
      ].join('\n'),
      120_000,
    );
    expect(await activeCount(c.nodes)).toBe(INSTANCES.length);
  });
  afterAll(async () => {
    await c?.teardown();
  });

  it('two updaters at once: one slot, drained before each reboot, both back and released', async () => {
    const updated = [c.node('node1'), c.node('node2')];
    const ids = new Map(c.nodes.map((m) => [m.machineId, m.name]));
    const samples: Sample[] = [];
    let sampling = true;
    const loop = (async () => {
      while (sampling) {
        const [m, ms, active] = await Promise.all([
          c.registry.getMaintenance(),
          c.registry.listMachines(),
          activeCount(c.nodes),
        ]);
        samples.push({
          holders: m.holders.map((h) => ids.get(h.machineId) ?? h.machineId),
          registered: ms.items.map((x) => ids.get(x.id) ?? x.id),
          boots: Object.fromEntries(c.nodes.map((n) => [n.name, n.boots])),
          active,
        });
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const started = Date.now();
    await Promise.all(
      updated.map((m) => sh(m, `systemd-run --unit=os-update --collect sh -c "${HOOK}"`)),
    );
    try {
      await waitFor(
        async () =>
          updated.every((m) => m.boots === 2 && m.running) &&
          (await c.registry.getMaintenance()).holders.length === 0,
        { timeoutMs: 150_000, intervalMs: 250, what: 'both machines rebooted and released' },
      );
    } finally {
      sampling = false;
      await loop;
    }
    const took = ((Date.now() - started) / 1000).toFixed(1);
    const least = Math.min(...samples.map((s) => s.active));
    console.log(
      `maintenance: both machines updated in ${took} s; ${samples.length} samples; ` +
        `fewest active instances ${least}`,
    );
    // Never two in maintenance, never two machines out; one is out only while it holds the slot.
    expect(samples.filter((s) => s.holders.length > 1)).toEqual([]);
    expect(samples.filter((s) => s.registered.length < 2)).toEqual([]);
    const outside = (s: Sample) =>
      c.nodes.map((n) => n.name).filter((n) => !s.registered.includes(n));
    expect(samples.filter((s) => outside(s).some((n) => !s.holders.includes(n)))).toEqual([]);
    // Both held it, one after the other, each rebooting (seen out, then booted again) meanwhile.
    const order = samples.flatMap((s) => s.holders).filter((h, i, a) => a[i - 1] !== h);
    expect([...order].sort()).toEqual(['node1', 'node2']);
    for (const m of updated) {
      expect(samples.some((s) => outside(s).includes(m.name))).toBe(true);
      expect(samples.find((s) => s.boots[m.name] === 2)?.holders).toEqual([m.name]);
    }
    expect(least).toBeGreaterThanOrEqual(INSTANCES.length - MAX_PARALLEL);
    // Back as themselves: same machine ID, fleetd started by systemd at boot, registered.
    await c.waitMachines(3);
    for (const m of updated) {
      expect((await sh(m, 'cat /etc/machine-id')).trim()).toBe(m.machineId);
      expect((await sh(m, 'systemctl is-active fleet.service')).trim()).toBe('active');
    }
    const events = (await c.registry.listEvents()).items.filter((e) =>
      e.kind.startsWith('maintenance.'),
    );
    expect(events.map((e) => `${e.kind} ${ids.get(e.machineId ?? '') ?? '?'}`).sort()).toEqual([
      'maintenance.entered node1',
      'maintenance.entered node2',
      'maintenance.exited node1',
      'maintenance.exited node2',
    ]);
    expect(events.filter((e) => e.kind === 'maintenance.exited').map((e) => e.message)).toEqual([
      expect.stringContaining('after its reboot'),
      expect.stringContaining('after its reboot'),
    ]);
    await waitFor(async () => (await activeCount(c.nodes)) === INSTANCES.length, {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: 'every instance active again',
    });
  });
});
