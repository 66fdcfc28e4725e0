// Contract: the maintenance semaphore (docs/operating.md): enter (idempotent, refused when full),
// exit, limit, and compare-and-swap under concurrent enters.
import { expect, it } from 'vitest';
import type { ContractHarness } from './harness.js';
import { rejectsWith } from './harness.js';

/** Registers the maintenance tests; `h()` is the current test's harness. */
export function maintenanceContract(h: () => ContractHarness): void {
  it('starts with limit 1 and no holders, before the key exists', async () => {
    const { registry } = h();
    expect(await registry.getMaintenance()).toEqual({ limit: 1, holders: [], revision: '0' });
  });

  it('enters once, answers a holder asking again with its slot, refuses when full', async () => {
    const { registry } = h();
    const first = await registry.enterMaintenance('m1', 'os update');
    expect(first.outcome).toBe('entered');
    expect(first.holder).toMatchObject({ machineId: 'm1', reason: 'os update' });
    expect(Number.isNaN(Date.parse(first.holder?.since ?? ''))).toBe(false);
    expect(first.maintenance.holders).toEqual([first.holder]);
    const again = await registry.enterMaintenance('m1');
    expect(again).toEqual({
      outcome: 'held',
      holder: first.holder,
      maintenance: first.maintenance,
    });
    const full = await registry.enterMaintenance('m2');
    expect(full).toEqual({ outcome: 'full', maintenance: first.maintenance });
    expect(await registry.getMaintenance()).toEqual(first.maintenance);
  });

  it('exits idempotently, freeing the slot for the next machine', async () => {
    const { registry } = h();
    await registry.enterMaintenance('m1');
    const out = await registry.exitMaintenance('m1');
    expect(out.exited).toBe(true);
    expect(out.maintenance.holders).toEqual([]);
    expect(BigInt(out.maintenance.revision)).toBeGreaterThan(0n);
    expect(await registry.exitMaintenance('m1')).toEqual({
      exited: false,
      maintenance: out.maintenance,
    });
    expect((await registry.enterMaintenance('m2')).outcome).toBe('entered');
    expect((await registry.getMaintenance()).holders.map((x) => x.machineId)).toEqual(['m2']);
  });

  it('sets the limit: more holders fit, and a lower limit takes no slot away', async () => {
    const { registry } = h();
    expect((await registry.setMaintenanceLimit(2)).limit).toBe(2);
    await registry.enterMaintenance('m1');
    expect((await registry.enterMaintenance('m2')).outcome).toBe('entered');
    expect((await registry.enterMaintenance('m3')).outcome).toBe('full');
    const lowered = await registry.setMaintenanceLimit(1);
    expect(lowered.limit).toBe(1);
    expect(lowered.holders.map((x) => x.machineId)).toEqual(['m1', 'm2']);
    await registry.exitMaintenance('m1');
    expect((await registry.enterMaintenance('m3')).outcome).toBe('full');
    const same = await registry.getMaintenance();
    expect(await registry.setMaintenanceLimit(1)).toEqual(same);
  });

  it('refuses a bad limit, machine ID or reason, writing nothing', async () => {
    const { registry } = h();
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      await rejectsWith(registry.setMaintenanceLimit(bad), 'REGISTRY_INVALID_INPUT');
    }
    await rejectsWith(registry.enterMaintenance('a/b'), 'REGISTRY_INVALID_INPUT');
    await rejectsWith(registry.enterMaintenance('m1', 'x'.repeat(2000)), 'REGISTRY_INVALID_INPUT');
    await rejectsWith(registry.exitMaintenance(''), 'REGISTRY_INVALID_INPUT');
    expect(await h().rawKeys('maintenance')).toEqual([]);
  });

  it('gives exactly one of two concurrent enters the last slot', async () => {
    const { registry } = h();
    for (let round = 0; round < 5; round++) {
      const a = `a${round}`;
      const b = `b${round}`;
      const results = await Promise.all([
        registry.enterMaintenance(a),
        registry.enterMaintenance(b),
      ]);
      expect(results.map((r) => r.outcome).sort()).toEqual(['entered', 'full']);
      const holders = (await registry.getMaintenance()).holders.map((x) => x.machineId);
      expect(holders).toHaveLength(1);
      expect([a, b]).toContain(holders[0]);
      await registry.exitMaintenance(holders[0] ?? '');
    }
  });

  it('reports a corrupt key on reads and refuses to change it', async () => {
    const { registry, issues } = h();
    await h().putRaw('maintenance', '{"limit":"one"}');
    await rejectsWith(registry.getMaintenance(), 'REGISTRY_CORRUPT_RECORD');
    await rejectsWith(registry.enterMaintenance('m1'), 'REGISTRY_CORRUPT_RECORD');
    expect(issues.some((i) => i.kind === 'corrupt-record')).toBe(true);
  });
}
