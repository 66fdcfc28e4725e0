// The simulation at a small size against a real etcd: every unit ends active exactly once, and
// the units of a machine that loses power move to others. No timing thresholds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdRegistry } from '@fleet/registry/etcd';
import { EtcdCluster } from '@fleet/testkit';
import { ClusterObserver } from './observer.js';
import { simUnitName, simUnitOptions } from './machines.js';
import { Simulation } from './simulation.js';

const MACHINES = 20;
const UNITS = 100;
const TTL = 3;

describe('simulation (20 machines, 100 units, 2 worker processes)', () => {
  let etcd: EtcdCluster;
  let sim: Simulation | undefined;
  let registry: EtcdRegistry;
  let observer: ClusterObserver;

  beforeAll(async () => {
    etcd = await EtcdCluster.start();
    registry = new EtcdRegistry({ endpoints: etcd.endpoints });
    observer = await ClusterObserver.start(etcd.endpoints);
    sim = await Simulation.start({
      endpoints: etcd.endpoints,
      machines: MACHINES,
      workers: 2,
      ttlSeconds: TTL,
    });
  }, 120_000);

  afterAll(async () => {
    await sim?.stop();
    await observer?.close();
    await registry?.close();
    await etcd?.stop();
  }, 60_000);

  it('registers every simulated machine with its own lease', async () => {
    await observer.until(() => observer.liveMachines === MACHINES, 30_000, 'machines');
    const machines = await registry.listMachines();
    expect(machines.items.map((m) => m.id).sort()).toEqual(sim?.machines.map((m) => m.id).sort());
  });

  it('launches every unit exactly once', async () => {
    for (let i = 0; i < UNITS; i++)
      await registry.createUnit({
        name: simUnitName(i),
        options: simUnitOptions(i),
        desiredState: 'launched',
      });
    await observer.until(() => observer.unitsActive === UNITS, 60_000, 'all units active');
    expect(observer.duplicates()).toEqual([]);
    const assignments = await registry.listAssignments();
    expect(assignments.items).toHaveLength(UNITS);
    const stats = await sim!.stats();
    const launched = [...stats.launched.values()].reduce((a, b) => a + b, 0);
    expect(launched).toBe(UNITS);
  });

  it('wakes only the target agent for one schedule change', async () => {
    const before = await sim!.stats();
    await registry.createUnit({
      name: 'one-more.service',
      options: simUnitOptions(UNITS),
      desiredState: 'launched',
    });
    await observer.until(() => observer.activeOn('one-more.service').length === 1, 30_000, 'one');
    const after = await sim!.stats();
    const woken = [...after.wakeups].filter(([id, n]) => n !== before.wakeups.get(id));
    expect(woken.map(([id]) => id)).toEqual(observer.activeOn('one-more.service'));
    expect(after.engine.reconciles).toBeGreaterThan(before.engine.reconciles);
    await registry.destroyUnit('one-more.service');
    await observer.until(() => observer.activeOn('one-more.service').length === 0, 30_000, 'gone');
  });

  it("moves a machine's units when it loses power", async () => {
    const victim = sim!.machines[0]!.id;
    const mine = (await registry.listAssignments(victim)).items.map((a) => a.unit);
    expect(mine.length).toBeGreaterThan(0);
    await sim!.killMachine(victim);
    await observer.until(() => !observer.isLive(victim), 30_000, 'the lease to expire');
    await observer.until(
      () => mine.every((u) => observer.activeOn(u).some((m) => m !== victim)),
      60_000,
      'its units active elsewhere',
    );
    expect(observer.unitsActive).toBe(UNITS);
    expect(observer.duplicates()).toEqual([]);
    const left = await registry.listAssignments(victim);
    expect(left.items).toEqual([]);
  });
});
