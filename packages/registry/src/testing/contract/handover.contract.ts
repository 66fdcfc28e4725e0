// Contract: a machine session handed over to the next process of the same host (an in-place
// restart): the machine never leaves, the successor takes it over at once, and a hand-over
// nobody takes expires like a dead machine.
import { expect, it } from 'vitest';
import type { MachineEvent, UnitStateInput } from '../../types.js';
import type { ContractHarness } from './harness.js';
import { collector, eventually, machine, rejectsWith } from './harness.js';

const state = (u: string): UnitStateInput => ({
  unit: u,
  hash: 'c'.repeat(40),
  loadState: 'loaded',
  activeState: 'active',
  subState: 'running',
});

/** Registers the hand-over tests; `h()` is the current test's harness. */
export function handOverContract(h: () => ContractHarness): void {
  it('moves the machine and its unit states to a new lease; the successor takes it over', async () => {
    const { registry } = h();
    const s = await registry.registerMachine(machine('m1'), 2);
    const names = Array.from({ length: 140 }, (_, i) => `u${String(i).padStart(3, '0')}.service`);
    await s.publishUnitStates(names.map(state));
    await s.removeUnitState('u000.service');
    const start = (await registry.listMachines()).revision;
    const c = collector<MachineEvent>();
    const w = registry.watchMachines(start, c.push);
    const lease = await s.handOver(5);
    expect(lease).not.toBe(s.leaseId);
    expect(s.signal.aborted).toBe(true);
    await rejectsWith(s.publishUnitState(state('x.service')), 'REGISTRY_SESSION_LOST');
    // The old lease is revoked, yet everything is still there, past the old TTL too.
    h().passTime(3_000);
    await new Promise((r) => setTimeout(r, 50));
    expect((await registry.listMachines()).items.map((m) => m.id)).toEqual(['m1']);
    const kept = await registry.listUnitStates({ machineId: 'm1' });
    expect(kept.items.map((x) => x.unit)).toEqual(names.slice(1));
    // Nobody else may take the machine; its successor, naming the lease, does at once.
    await rejectsWith(registry.registerMachine(machine('m1'), 2), 'REGISTRY_MACHINE_EXISTS');
    const next = await registry.registerMachine(machine('m1'), 2, { replacing: lease });
    expect(next.signal.aborted).toBe(false);
    await next.publishUnitState(state('u001.service'));
    await eventually(h(), () => c.events.length >= 2, 'the hand-over and takeover events');
    await w.close();
    expect(c.events.filter((e) => e.type !== 'put')).toEqual([]);
    expect((await registry.listMachines()).items.map((m) => m.id)).toEqual(['m1']);
  });

  it('lets a hand-over nobody takes expire: the machine and its states vanish', async () => {
    const { registry } = h();
    const s = await registry.registerMachine(machine('m1'), 2);
    await s.publishUnitState(state('web.service'));
    await s.handOver(4);
    h().passTime(2_500);
    await new Promise((r) => setTimeout(r, 50));
    expect((await registry.listMachines()).items.map((m) => m.id)).toEqual(['m1']);
    h().passTime(2_500);
    await eventually(
      h(),
      async () => (await registry.listMachines()).items.length === 0,
      'the unclaimed machine to expire',
    );
    expect((await registry.listUnitStates()).items).toEqual([]);
    expect((await registry.registerMachine(machine('m1'), 2)).signal.aborted).toBe(false);
  });

  it('refuses to hand over a session that no longer holds the machine', async () => {
    const { registry } = h();
    const s = await registry.registerMachine(machine('m1'), 2);
    await s.close();
    await rejectsWith(s.handOver(5), 'REGISTRY_SESSION_LOST');
    const t = await registry.registerMachine(machine('m1'), 2);
    await rejectsWith(t.handOver(1), 'REGISTRY_INVALID_INPUT');
    expect((await registry.listMachines()).items.map((m) => m.id)).toEqual(['m1']);
  });
}
