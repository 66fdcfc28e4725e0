// Contract: machine sessions, unit states, dynamic metadata, lease expiry.
import { expect, it } from 'vitest';
import { stall } from '../stall.js';
import type { MachineEvent, UnitStateInput } from '../../types.js';
import type { ContractHarness } from './harness.js';
import { collector, eventually, machine, rejectsWith } from './harness.js';

const state = (u: string, active = 'active'): UnitStateInput => ({
  unit: u,
  hash: 'b'.repeat(40),
  loadState: 'loaded',
  activeState: active,
  subState: active === 'active' ? 'running' : 'dead',
});

/** Registers the machine-side tests; `h()` is the current test's harness. */
export function machineContract(h: () => ContractHarness): void {
  it('registers a machine once per live session and lists it', async () => {
    const { registry } = h();
    const s = await registry.registerMachine(machine('m1'), 10);
    const err = await rejectsWith(
      registry.registerMachine(machine('m1'), 10),
      'REGISTRY_MACHINE_EXISTS',
    );
    expect(err).toMatchObject({ retryable: true, machineId: 'm1' });
    await registry.registerMachine(machine('m0', { publicIP: '127.0.0.9' }), 10);
    const list = await registry.listMachines();
    expect(list.items.map((m) => m.id)).toEqual(['m0', 'm1']);
    expect(list.items[1]).toMatchObject({
      ...machine('m1'),
      configMetadata: { region: 'us-east' },
    });
    await s.update(machine('m1', { health: { load: [9] } }));
    expect((await registry.listMachines()).items[1]?.health).toEqual({ load: [9] });
    await rejectsWith(s.update(machine('m2')), 'REGISTRY_INVALID_INPUT');
    await rejectsWith(registry.registerMachine(machine('bad/id'), 10), 'REGISTRY_INVALID_INPUT');
    await rejectsWith(registry.registerMachine(machine('m3'), 1), 'REGISTRY_INVALID_INPUT');
  });

  it("takes over its dead predecessor's key in place, and only that one", async () => {
    const { registry } = h();
    const old = await registry.registerMachine(machine('m1'), 10);
    await old.publishUnitState(state('web.service'));
    old.release(); // the process died: its lease lives on until the TTL
    const start = (await registry.listMachines()).revision;
    const c = collector<MachineEvent>();
    const w = registry.watchMachines(start, c.push);
    // Without naming the old lease, the machine ID is taken.
    await rejectsWith(registry.registerMachine(machine('m1'), 10), 'REGISTRY_MACHINE_EXISTS');
    await rejectsWith(
      registry.registerMachine(machine('m1'), 10, { replacing: '12345' }),
      'REGISTRY_MACHINE_EXISTS',
    );
    await rejectsWith(
      registry.registerMachine(machine('m1'), 10, { replacing: 'x' }),
      'REGISTRY_INVALID_INPUT',
    );
    const next = await registry.registerMachine(machine('m1', { publicIP: '127.0.0.7' }), 10, {
      replacing: old.leaseId,
    });
    expect(next.leaseId).not.toBe(old.leaseId);
    // The old lease is gone with the states it carried; the machine never left.
    await eventually(
      h(),
      async () => (await registry.listUnitStates({ machineId: 'm1' })).items.length === 0,
      'the old states to go',
    );
    expect((await registry.listMachines()).items).toEqual([
      expect.objectContaining({ id: 'm1', publicIP: '127.0.0.7' }),
    ]);
    await next.publishUnitState(state('web.service'));
    await eventually(h(), () => c.events.length >= 1, 'the takeover event');
    expect(c.events.filter((e) => e.type !== 'put')).toEqual([]);
    // A live session is never taken over by a caller naming an older lease.
    await rejectsWith(
      registry.registerMachine(machine('m1'), 10, { replacing: old.leaseId }),
      'REGISTRY_MACHINE_EXISTS',
    );
    expect((await registry.listUnitStates({ machineId: 'm1' })).items).toHaveLength(1);
    expect(next.signal.aborted).toBe(false);
    await w.close();
    // Naming a lease when the key is free is a plain registration.
    const other = await registry.registerMachine(machine('m2'), 10, { replacing: next.leaseId });
    expect(other.signal.aborted).toBe(false);
    expect(next.signal.aborted).toBe(false);
  });

  it('publishes unit states under the session, listed by unit then machine', async () => {
    const { registry } = h();
    const a = await registry.registerMachine(machine('ma'), 10);
    const b = await registry.registerMachine(machine('mb'), 10);
    await b.publishUnitState(state('web.service'));
    await a.publishUnitState(state('web.service', 'failed'));
    await a.publishUnitState(state('db.service'));
    await a.publishUnitState(state('web.service.x.service'));
    const all = await registry.listUnitStates();
    expect(all.items.map((s) => `${s.unit}@${s.machineId}`)).toEqual([
      'db.service@ma',
      'web.service@ma',
      'web.service@mb',
      'web.service.x.service@ma',
    ]);
    expect(all.items[1]).toMatchObject({ activeState: 'failed', subState: 'dead' });
    const web = await registry.listUnitStates({ unitName: 'web.service' });
    expect(web.items.map((s) => s.machineId)).toEqual(['ma', 'mb']);
    const onB = await registry.listUnitStates({ machineId: 'mb' });
    expect(onB.items.map((s) => s.unit)).toEqual(['web.service']);
    const one = await registry.listUnitStates({ machineId: 'ma', unitName: 'db.service' });
    expect(one.items).toHaveLength(1);
    await a.removeUnitState('web.service');
    await a.removeUnitState('web.service');
    expect((await registry.listUnitStates({ unitName: 'web.service' })).items).toHaveLength(1);
  });

  it('publishes many unit states at once, beyond one transaction, under the session', async () => {
    const { registry } = h();
    const s = await registry.registerMachine(machine('m1'), 10);
    const names = Array.from({ length: 150 }, (_, i) => `u${String(i).padStart(3, '0')}.service`);
    await s.publishUnitStates(names.map((n) => state(n)));
    await s.publishUnitStates([]);
    const listed = await registry.listUnitStates({ machineId: 'm1' });
    expect(listed.items.map((x) => x.unit)).toEqual(names);
    await rejectsWith(
      s.publishUnitStates([state('ok.service'), { ...state('bad.service'), unit: 'bad/x' }]),
      'REGISTRY_INVALID_INPUT',
    );
    expect((await registry.listUnitStates({ unitName: 'ok.service' })).items).toHaveLength(0);
    await s.close();
    expect((await registry.listUnitStates()).items).toEqual([]);
  });

  it("keeps the agent's job state when given, and omits it when not", async () => {
    const { registry } = h();
    const s = await registry.registerMachine(machine('m1'), 10);
    await s.publishUnitState({ ...state('a.service'), state: 'launched' });
    await s.publishUnitState(state('b.service'));
    const [a, b] = (await registry.listUnitStates()).items;
    expect(a?.state).toBe('launched');
    expect(b !== undefined && 'state' in b).toBe(false);
    await rejectsWith(
      s.publishUnitState({ ...state('c.service'), state: 'running' as 'launched' }),
      'REGISTRY_INVALID_INPUT',
    );
  });

  it("keeps a unit's health when given; a malformed one is a corrupt record", async () => {
    const { registry } = h();
    const s = await registry.registerMachine(machine('m1'), 10);
    const at = '2026-12-04T17:00:00.000Z';
    const health = { status: 'failing', output: 'exit 1: nope', checkedAt: at } as const;
    await s.publishUnitStates([
      { ...state('a.service'), health },
      { ...state('b.service'), health: { status: 'passing', checkedAt: at } },
      state('c.service'),
    ]);
    await h().putRaw(
      'state/old.service/m1',
      JSON.stringify({ ...state('old.service'), machineId: 'm1' }),
    );
    await h().putRaw(
      'state/odd.service/m1',
      JSON.stringify({ ...state('odd.service'), machineId: 'm1', health: { status: 'fine' } }),
    );
    const items = (await registry.listUnitStates()).items;
    expect(items.map((i) => [i.unit, i.health])).toEqual([
      ['a.service', health],
      ['b.service', { status: 'passing', checkedAt: at }],
      ['c.service', undefined],
      ['old.service', undefined],
    ]);
    expect(items.filter((i) => 'health' in i).map((i) => i.unit)).toEqual([
      'a.service',
      'b.service',
    ]);
    const corrupt = h().issues.flatMap((i) => (i.kind === 'corrupt-record' ? [i.key] : []));
    expect(corrupt.some((k) => k.endsWith('state/odd.service/m1'))).toBe(true);
    for (const bad of [
      { status: 'ok' as 'passing', checkedAt: at },
      { status: 'passing' as const, checkedAt: 'yesterday' },
      { status: 'passing' as const, checkedAt: at, output: 'x'.repeat(257) },
    ]) {
      await rejectsWith(
        s.publishUnitState({ ...state('d.service'), health: bad }),
        'REGISTRY_INVALID_INPUT',
      );
    }
  });

  it('removes the machine and its unit states together when the session closes', async () => {
    const { registry } = h();
    const s = await registry.registerMachine(machine('m1'), 10);
    const other = await registry.registerMachine(machine('m2'), 10);
    await s.publishUnitState(state('web.service'));
    await other.publishUnitState(state('web.service'));
    await s.close();
    await s.close();
    expect(s.signal.aborted).toBe(true);
    expect((await registry.listMachines()).items.map((m) => m.id)).toEqual(['m2']);
    expect((await registry.listUnitStates()).items.map((x) => x.machineId)).toEqual(['m2']);
    await rejectsWith(s.publishUnitState(state('db.service')), 'REGISTRY_SESSION_LOST');
    const again = await registry.registerMachine(machine('m1'), 10);
    expect(again.signal.aborted).toBe(false);
  });

  it('expires a session whose keepalives stop: machine and unit states vanish together', async () => {
    const { registry } = h();
    const s = await registry.registerMachine(machine('m1'), 2);
    const live = await registry.registerMachine(machine('m2'), 2);
    await s.publishUnitState(state('web.service'));
    await live.publishUnitState(state('web.service'));
    stall(s);
    h().passTime(3_000);
    await eventually(
      h(),
      async () => (await registry.listMachines()).items.every((m) => m.id !== 'm1'),
      'the stalled machine to expire',
    );
    const states = await registry.listUnitStates();
    expect(states.items.map((x) => x.machineId)).toEqual(['m2']);
    expect((await registry.listMachines()).items.map((m) => m.id)).toEqual(['m2']);
    await rejectsWith(s.publishUnitState(state('db.service')), 'REGISTRY_SESSION_LOST');
    expect(s.signal.aborted).toBe(true);
    expect(live.signal.aborted).toBe(false);
    await registry.registerMachine(machine('m1'), 2);
  });

  it('tells when the lease was last renewed: it moves on with keepalives, not once they stop', async () => {
    const { registry } = h();
    const s = await registry.registerMachine(machine('m1'), 3);
    const first = s.lastRenewedAt();
    h().passTime(1_500);
    await eventually(h(), () => s.lastRenewedAt() > first, 'a keepalive to be acknowledged');
    stall(s);
    await new Promise((r) => setTimeout(r, 300)); // a keepalive already in flight may still land
    const last = s.lastRenewedAt();
    h().passTime(1_500);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(s.lastRenewedAt()).toBe(last);
  });

  it('lets a released session expire after its TTL without revoking it at once', async () => {
    const { registry } = h();
    const s = await registry.registerMachine(machine('m1'), 2);
    await s.publishUnitState(state('web.service'));
    s.release();
    s.release();
    expect(s.signal.aborted).toBe(true);
    await rejectsWith(s.publishUnitState(state('db.service')), 'REGISTRY_SESSION_LOST');
    // Still there right after: only the TTL removes it.
    expect((await registry.listMachines()).items.map((m) => m.id)).toEqual(['m1']);
    await rejectsWith(registry.registerMachine(machine('m1'), 2), 'REGISTRY_MACHINE_EXISTS');
    h().passTime(3_000);
    await eventually(
      h(),
      async () => (await registry.listMachines()).items.length === 0,
      'the released machine to expire',
    );
    expect((await registry.listUnitStates()).items).toEqual([]);
  });

  it('merges dynamic metadata over config metadata; it outlives the machine', async () => {
    const { registry } = h();
    await registry.setMachineMetadata([
      { machineId: 'm1', key: 'disk', value: 'ssd' },
      { machineId: 'm1', key: 'region', value: null },
      { machineId: 'm1', key: 'rack', value: 'r1' },
      { machineId: 'm1', key: 'rack', value: 'r2' },
    ]);
    expect((await registry.listMachines()).items).toEqual([]);
    const s = await registry.registerMachine(
      machine('m1', { metadata: { region: 'eu', os: 'x' } }),
      10,
    );
    const m = (await registry.listMachines()).items[0];
    expect(m?.metadata).toEqual({ disk: 'ssd', os: 'x', rack: 'r2' });
    expect(Object.keys(m?.metadata ?? {})).toEqual(['disk', 'os', 'rack']);
    expect(m?.configMetadata).toEqual({ region: 'eu', os: 'x' });
    await s.close();
    await registry.registerMachine(machine('m1', { metadata: { region: 'eu' } }), 10);
    expect((await registry.listMachines()).items[0]?.metadata).toEqual({ disk: 'ssd', rack: 'r2' });
    await rejectsWith(
      registry.setMachineMetadata([
        { machineId: 'm1', key: 'ok', value: 'v' },
        { machineId: 'm1', key: 'bad key', value: 'v' },
      ]),
      'REGISTRY_INVALID_INPUT',
    );
    expect((await registry.listMachines()).items[0]?.metadata).not.toHaveProperty('ok');
  });

  it("stores the TTL of the session in the machine's record: listed, watched, kept by update", async () => {
    // A new engine leader's grace after an outage follows the largest TTL its machines have.
    const { registry } = h();
    const c = collector<MachineEvent>();
    const w = registry.watchMachines((await registry.listMachines()).revision, c.push);
    const s = await registry.registerMachine(machine('m1'), 45);
    await registry.registerMachine(machine('m2'), 7);
    expect((await registry.listMachines()).items.map((m) => [m.id, m.ttlSeconds])).toEqual([
      ['m1', 45],
      ['m2', 7],
    ]);
    await s.update(machine('m1', { health: { load: [1] } }));
    expect((await registry.listMachines()).items[0]?.ttlSeconds).toBe(45);
    await eventually(h(), () => c.events.length >= 3, 'three machine events');
    await w.close();
    expect(
      c.events.map((e) => (e.type === 'put' ? [e.machine.id, e.machine.ttlSeconds] : e.type)),
    ).toEqual([
      ['m1', 45],
      ['m2', 7],
      ['m1', 45],
    ]);
  });
}
