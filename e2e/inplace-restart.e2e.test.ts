// In-place restart of fleetd on three real machines under 20 running units: `systemctl restart
// fleet` and `systemctl try-restart fleet` (what a package upgrade runs) on each machine in turn
// leave every unit running where it is, with the same main process (read from systemd in the
// machine, not from fleet's state); no machine ever leaves the cluster and nothing is
// rescheduled. `systemctl stop fleet` still drains: the machine's units move away.
import { waitFor } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeCopies, Cluster, sh, unitProperty, type NspawnMachine } from './src/index.js';

const UNITS = Array.from({ length: 20 }, (_, i) => `inplace-${String(i).padStart(2, '0')}.service`);
const options = (name: string) => [
  { section: 'Unit', name: 'Description', value: `in-place restart e2e ${name}` },
  { section: 'Service', name: 'ExecStart', value: "/bin/sh -c 'exec sleep infinity'" },
];

/** Where each active unit runs and its main PID, as `node:pid`, read from every machine's systemd. */
const running = (c: Cluster): Promise<Map<string, string>> => activeCopies(c.nodes, UNITS);

describe('in-place restart of fleetd: a 3-machine cluster under 20 running units', () => {
  let c: Cluster;
  /** Machine records deleted since the units were placed (a machine leaving the cluster). */
  const left: string[] = [];
  let closeWatch: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    c = await Cluster.start({ machines: 3 });
    for (const name of UNITS)
      await c.api().createUnit({ name, options: options(name), desiredState: 'launched' });
    await waitFor(async () => (await running(c)).size === UNITS.length, {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: 'all 20 units to be active',
    });
    const w = c.registry.watchMachines((await c.registry.listMachines()).revision, (e) => {
      if (e.type === 'delete') left.push(e.machineId);
    });
    closeWatch = () => w.close();
  });
  afterAll(async () => {
    await closeWatch?.();
    await c?.teardown();
  });

  const placements = async () =>
    (await c.registry.listAssignments()).items.map((a) => `${a.unit}@${a.machineId}`).sort();
  const serving = async (m: NspawnMachine) =>
    (
      await c
        .api(m.name)
        .listMachines()
        .catch(() => [])
    ).length === 3;

  /** Runs `command` on each machine in turn; checks that nothing moved or restarted. */
  async function eachInTurn(command: string): Promise<void> {
    const figures: string[] = [];
    for (const m of c.nodes) {
      const before = await running(c);
      const assigned = await placements();
      const fleetdBefore = await unitProperty(m, 'fleet.service', 'MainPID');
      const t0 = performance.now();
      await sh(m, command, 120_000);
      await waitFor(() => serving(m), {
        timeoutMs: 60_000,
        intervalMs: 20,
        what: `${m.name}'s fleetd to serve again`,
      });
      const ms = performance.now() - t0;
      expect(await unitProperty(m, 'fleet.service', 'MainPID')).not.toBe(fleetdBefore);
      const after = await running(c);
      const kept = [...before].filter(([u, where]) => after.get(u) === where).length;
      figures.push(
        `${m.name}: serving again ${Math.round(ms)} ms after \`${command}\`; ` +
          `${kept}/${before.size} units kept their MainPID (${[...before.values()].filter((w) => w.startsWith(`${m.name}:`)).length} on ${m.name})`,
      );
      expect(after).toEqual(before);
      expect(await placements()).toEqual(assigned);
      expect(left).toEqual([]);
    }
    console.log(figures.join('\n'));
  }

  it('`systemctl restart fleet` on each machine in turn: no unit moves or restarts', async () => {
    await eachInTurn('systemctl restart fleet.service');
  });

  it('`systemctl try-restart fleet` (a package upgrade) on each machine in turn: the same', async () => {
    await eachInTurn('systemctl try-restart fleet.service');
  });

  it('nothing moves once the hand-over leases would have expired', async () => {
    const before = await running(c);
    const assigned = await placements();
    // Past the 30 s hand-over lease: a successor that had not taken the machine over would
    // have lost it by now, and its units would be moving.
    await new Promise((r) => setTimeout(r, 35_000));
    await c.waitMachines(3);
    expect(await running(c)).toEqual(before);
    expect(await placements()).toEqual(assigned);
    expect(left).toEqual([]);
  });

  it('`systemctl stop fleet` still drains: the machine leaves and its units move away', async () => {
    const before = await running(c);
    const counts = c.nodes.map(
      (m) => [...before.values()].filter((w) => w.startsWith(`${m.name}:`)).length,
    );
    const m = c.nodes[counts.indexOf(Math.max(...counts))] as NspawnMachine;
    expect(Math.max(...counts)).toBeGreaterThan(0);
    await c.stopFleet(m.name);
    await waitFor(
      async () => {
        const now = await running(c);
        return (
          now.size === UNITS.length && [...now.values()].every((w) => !w.startsWith(`${m.name}:`))
        );
      },
      { timeoutMs: 120_000, intervalMs: 500, what: `${m.name}'s units to run elsewhere` },
    );
    expect(left).toEqual([m.machineId]);
    await c.startFleet(m.name);
    await c.waitMachines(3);
  });
});
