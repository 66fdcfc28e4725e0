// Contract: machine-admin records (cordon, drain): written, listed, watched, deleted, checked.
import { expect, it } from 'vitest';
import type { MachineAdminEvent } from '../../machine-admin-types.js';
import type { ContractHarness } from './harness.js';
import { collector, eventually, machine, rejectsWith } from './harness.js';

const since = '2026-12-04T20:00:00.000Z';

/** Registers the machine-admin tests; `h()` is the current test's harness. */
export function machineAdminContract(h: () => ContractHarness): void {
  it('writes, lists (sorted, with revisions) and deletes records, machine live or not', async () => {
    const { registry } = h();
    expect((await registry.listMachineAdmin()).items).toEqual([]);
    await registry.registerMachine(machine('m2'), 10);
    const a = await registry.setMachineAdmin('m2', { state: 'cordoned', reason: 'disk', since });
    expect(a).toMatchObject({ machineId: 'm2', state: 'cordoned', reason: 'disk', since });
    // A machine that is down may be cordoned too: the record is not bound to its session.
    await registry.setMachineAdmin('m1', { state: 'draining', since, by: 'admin' });
    const list = await registry.listMachineAdmin();
    expect(list.items.map((r) => [r.machineId, r.state])).toEqual([
      ['m1', 'draining'],
      ['m2', 'cordoned'],
    ]);
    expect(list.items[0]).toEqual({
      machineId: 'm1',
      state: 'draining',
      since,
      by: 'admin',
      revision: expect.any(String),
    });
    expect(BigInt(list.revision)).toBeGreaterThanOrEqual(BigInt(a?.revision ?? '0'));
    // Overwrite: the state changes in place.
    await registry.setMachineAdmin('m2', { state: 'draining', since });
    expect((await registry.listMachineAdmin()).items[1]).toMatchObject({ state: 'draining' });
    expect(await registry.setMachineAdmin('m2', null)).toBeUndefined();
    expect(await registry.setMachineAdmin('m2', null)).toBeUndefined(); // idempotent
    expect((await registry.listMachineAdmin()).items.map((r) => r.machineId)).toEqual(['m1']);
    // Not machine records: listMachines does not see them, nor do they make a machine.
    expect((await registry.listMachines()).items.map((m) => m.id)).toEqual(['m2']);
  });

  it('refuses bad IDs and records, and skips corrupt stored ones', async () => {
    const { registry } = h();
    await rejectsWith(registry.setMachineAdmin('bad/id', null), 'REGISTRY_INVALID_INPUT');
    const bad = { state: 'off', since } as unknown as { state: 'cordoned'; since: string };
    await rejectsWith(registry.setMachineAdmin('m1', bad), 'REGISTRY_INVALID_INPUT');
    await rejectsWith(
      registry.setMachineAdmin('m1', { state: 'cordoned', since: '' }),
      'REGISTRY_INVALID_INPUT',
    );
    expect((await registry.listMachineAdmin()).items).toEqual([]);
    await h().putRaw('machine-admin/m3', '{"state":');
    await registry.setMachineAdmin('m4', { state: 'cordoned', since });
    expect((await registry.listMachineAdmin()).items.map((r) => r.machineId)).toEqual(['m4']);
    expect(h().issues).toContainEqual(
      expect.objectContaining({ kind: 'corrupt-record', key: expect.stringContaining('m3') }),
    );
  });

  it('watches puts and deletes after a listing', async () => {
    const { registry } = h();
    await registry.setMachineAdmin('m0', { state: 'cordoned', since });
    const start = (await registry.listMachineAdmin()).revision;
    const c = collector<MachineAdminEvent>();
    const w = registry.watchMachineAdmin(start, c.push);
    await registry.setMachineAdmin('m1', { state: 'draining', reason: 'kernel', since });
    await registry.setMachineAdmin('m0', null);
    await eventually(h(), () => c.events.length >= 2, 'two machine-admin events');
    await w.close();
    expect(c.events.map((e) => (e.type === 'put' ? ['put', e.admin.machineId] : [e.type]))).toEqual(
      [['put', 'm1'], ['delete']],
    );
    expect(c.events[0]).toMatchObject({ admin: { state: 'draining', reason: 'kernel' } });
    expect(c.events[1]).toMatchObject({ type: 'delete', machineId: 'm0' });
  });
}
