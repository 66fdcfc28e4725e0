// Contract: change streams (list-then-watch, resume, compaction), corrupt records, close.
import { expect, it } from 'vitest';
import type {
  AssignmentEvent,
  LeaderEvent,
  MachineEvent,
  ResyncEvent,
  UnitEvent,
} from '../../types.js';
import type { ContractHarness } from './harness.js';
import { collector, eventually, machine, rejectsWith, unit } from './harness.js';

const HASH = 'c'.repeat(40);

/** Registers the watch and robustness tests; `h()` is the current test's harness. */
export function watchContract(h: () => ContractHarness): void {
  it('delivers every unit change after a listing, in revision order', async () => {
    const { registry } = h();
    await registry.createUnit(unit('before.service'));
    const list = await registry.listUnits();
    const c = collector<UnitEvent>();
    const w = registry.watchUnits(list.revision, c.push);
    const created = await registry.createUnit(unit('web.service'));
    const loaded = await registry.setDesiredState('web.service', 'loaded');
    await registry.destroyUnit('before.service');
    await eventually(h(), () => c.events.length >= 3, 'three unit events');
    expect(c.events).toEqual([
      { type: 'put', unit: { ...created }, revision: created.revision },
      { type: 'put', unit: { ...loaded }, revision: loaded.revision },
      { type: 'delete', name: 'before.service', revision: expect.any(String) as string },
    ]);
    await w.close();
    await w.close();
    await registry.createUnit(unit('after.service'));
    await registry.listUnits();
    expect(c.events).toHaveLength(3);
  });

  it('a listing racing writes holds every change up to its revision: list-then-watch misses none', async () => {
    const { registry } = h();
    const names = Array.from({ length: 20 }, (_, i) => `race-${i}.service`);
    // Each write starts while a listing is in flight; whatever a listing lacks must reach a
    // watch started from the listing's revision.
    const writes: Promise<unknown>[] = [];
    const lists: ReturnType<typeof registry.listUnits>[] = [];
    for (const [i, n] of names.entries()) {
      writes.push(registry.createUnit(unit(n)));
      for (let k = 0; k < i; k++) await Promise.resolve(); // a different interleaving each time
      lists.push(registry.listUnits());
    }
    await Promise.all(writes);
    for (const list of await Promise.all(lists)) {
      const seen = new Set(list.items.map((u) => u.name));
      const c = collector<UnitEvent>();
      const w = registry.watchUnits(list.revision, c.push);
      const missing = names.filter((n) => !seen.has(n));
      await eventually(h(), () => c.events.length >= missing.length, 'the missing units');
      for (const e of c.events) if (e.type === 'put') seen.add(e.unit.name);
      await w.close();
      expect(names.filter((n) => !seen.has(n))).toEqual([]);
    }
  });

  it('resumes from a past revision', async () => {
    const { registry } = h();
    const first = await registry.createUnit(unit('a.service'));
    await registry.createUnit(unit('b.service'));
    await registry.createUnit(unit('c.service'));
    const c = collector<UnitEvent>();
    const w = registry.watchUnits(first.revision, c.push);
    await eventually(h(), () => c.events.length >= 2, 'replayed events');
    expect(c.events.map((e) => (e.type === 'put' ? e.unit.name : e.type))).toEqual([
      'b.service',
      'c.service',
    ]);
    await w.close();
  });

  it('tells the caller to re-list once the history it needs is compacted', async () => {
    const { registry } = h();
    const first = await registry.createUnit(unit('a.service'));
    await registry.createUnit(unit('b.service'));
    await registry.setDesiredState('b.service', 'loaded');
    await h().compact();
    const c = collector<UnitEvent>();
    const w = registry.watchUnits(first.revision, c.push);
    await eventually(h(), () => c.events.length >= 1, 'a resync event');
    expect(c.events).toEqual([{ type: 'resync', reason: expect.any(String) as string }]);
    await registry.createUnit(unit('c.service'));
    const relist = await registry.listUnits();
    expect(relist.items).toHaveLength(3);
    expect(c.events).toHaveLength(1);
    await w.close();
  });

  it('tells every kind of watch to re-list once its history is compacted, then sends nothing', async () => {
    // Units are covered above; assignments (one machine's and all), machines and the leader here.
    const { registry } = h();
    const token = (await registry.campaign('engine', 10))?.token ?? '';
    const first = (await registry.listAssignments('m1')).revision;
    const op = { kind: 'schedule', hash: HASH, desiredState: 'launched' } as const;
    await registry.applyAssignments(token, [{ ...op, machineId: 'm1', unit: 'a.service' }]);
    const s = await registry.registerMachine(machine('m1'), 10);
    await registry.setMachineMetadata([{ machineId: 'm1', key: 'disk', value: 'ssd' }]);
    await h().compact();
    const mine = collector<AssignmentEvent>();
    const all = collector<AssignmentEvent>();
    const machines = collector<MachineEvent>();
    const leader = collector<LeaderEvent | ResyncEvent>();
    const ws = [
      registry.watchAssignments('m1', first, mine.push),
      registry.watchAssignments(undefined, first, all.push),
      registry.watchMachines(first, machines.push),
      registry.watchLeader(leader.push),
    ];
    const resync = [{ type: 'resync', reason: expect.any(String) as string }];
    await eventually(
      h(),
      () => mine.events.length + all.events.length + machines.events.length >= 3,
      'resync events',
    );
    // The leader watch reads the leader first and watches from there: compaction is no reason
    // for it to re-list.
    await eventually(h(), () => leader.events.length >= 1, 'the current leader');
    await registry.applyAssignments(token, [{ ...op, machineId: 'm1', unit: 'b.service' }]);
    await s.update(machine('m1', { publicIP: '127.0.0.2' }));
    await eventually(
      h(),
      async () => (await registry.listMachines()).items[0]?.publicIP === '127.0.0.2',
      'the update',
    );
    expect([mine.events, all.events, machines.events]).toEqual([resync, resync, resync]);
    expect(leader.events).toEqual([
      expect.objectContaining({ type: 'leader', leader: { candidateId: 'engine', token } }),
    ]);
    await Promise.all(ws.map((w) => w.close()));
    await s.close();
  });

  it("watches one machine's assignments, or all", async () => {
    const { registry } = h();
    const token = (await registry.campaign('engine', 10))?.token ?? '';
    const start = (await registry.listAssignments('m1')).revision;
    const mine = collector<AssignmentEvent>();
    const all = collector<AssignmentEvent>();
    const w1 = registry.watchAssignments('m1', start, mine.push);
    const w2 = registry.watchAssignments(undefined, start, all.push);
    const op = { kind: 'schedule', hash: HASH, desiredState: 'launched' } as const;
    await registry.applyAssignments(token, [
      { ...op, machineId: 'm1', unit: 'a.service' },
      { ...op, machineId: 'm10', unit: 'b.service' },
    ]);
    await registry.applyAssignments(token, [
      { kind: 'unschedule', machineId: 'm1', unit: 'a.service' },
    ]);
    await eventually(h(), () => all.events.length >= 3 && mine.events.length >= 2, 'events');
    expect(mine.events.map((e) => e.type)).toEqual(['put', 'delete']);
    expect(mine.events[0]).toMatchObject({
      assignment: { machineId: 'm1', unit: 'a.service', hash: HASH, desiredState: 'launched' },
    });
    expect(all.events).toHaveLength(3);
    await Promise.all([w1.close(), w2.close()]);
  });

  it('watches the leader: the current one at once, then each change', async () => {
    const { registry } = h();
    const c = collector<LeaderEvent | ResyncEvent>();
    const w = registry.watchLeader(c.push);
    await eventually(h(), () => c.events.length >= 1, 'the current leader');
    expect(c.events[0]).toMatchObject({ type: 'leader', leader: undefined });
    const l = await registry.campaign('engine-a', 10);
    await eventually(h(), () => c.events.length >= 2, 'the new leader');
    expect(c.events[1]).toMatchObject({
      type: 'leader',
      leader: { candidateId: 'engine-a', token: l?.token },
    });
    await l?.resign();
    await eventually(h(), () => c.events.length >= 3, 'leadership open again');
    expect(c.events[2]).toMatchObject({ type: 'leader', leader: undefined });
    await w.close();
    const late = collector<LeaderEvent | ResyncEvent>();
    const held = await registry.campaign('engine-b', 10);
    const w2 = registry.watchLeader(late.push);
    await eventually(h(), () => late.events.length >= 1, 'the current leader');
    expect(late.events[0]).toMatchObject({ leader: { candidateId: 'engine-b' } });
    await w2.close();
    await held?.resign();
    expect(c.events).toHaveLength(3);
  });

  it('watches machines join, change metadata and leave', async () => {
    const { registry } = h();
    const c = collector<MachineEvent>();
    const w = registry.watchMachines((await registry.listMachines()).revision, c.push);
    const s = await registry.registerMachine(machine('m1'), 10);
    await registry.setMachineMetadata([{ machineId: 'm1', key: 'disk', value: 'ssd' }]);
    await s.close();
    await eventually(h(), () => c.events.length >= 3, 'machine events');
    expect(c.events).toEqual([
      expect.objectContaining({ type: 'put', machine: { ...machine('m1'), ttlSeconds: 10 } }),
      expect.objectContaining({ type: 'metadata', machineId: 'm1', key: 'disk', value: 'ssd' }),
      expect.objectContaining({ type: 'delete', machineId: 'm1' }),
    ]);
    await w.close();
  });

  it('reports a listener that throws and keeps the stream going', async () => {
    const { registry } = h();
    const seen: string[] = [];
    const w = registry.watchUnits((await registry.listUnits()).revision, (e) => {
      if (e.type === 'put') seen.push(e.unit.name);
      throw new Error('listener bug');
    });
    await registry.createUnit(unit('a.service'));
    await registry.createUnit(unit('b.service'));
    await eventually(h(), () => seen.length >= 2, 'both events');
    expect(h().issues.filter((i) => i.kind === 'listener-threw')).toHaveLength(2);
    await w.close();
  });

  it('skips and reports corrupt records, with their keys, and stays usable', async () => {
    const { registry } = h();
    await registry.createUnit(unit('good.service'));
    const token = (await registry.campaign('engine', 10))?.token ?? '';
    await registry.registerMachine(machine('m1'), 10);
    await h().putRaw('unit/bad.service', '{not json');
    await h().putRaw('unit/odd.service', JSON.stringify({ name: 'odd.service', hash: 'x' }));
    await h().putRaw('assign/m1/bad.service', '[]');
    await h().putRaw('machine/m2/object', '{"id":"m2"}');
    await h().putRaw('state/bad.service/m1', 'null');
    const c = collector<UnitEvent>();
    const w = registry.watchUnits((await registry.listUnits()).revision, c.push);
    await h().putRaw('unit/worse.service', '"string"');
    await registry.createUnit(unit('fine.service'));
    expect((await registry.listUnits()).items.map((u) => u.name)).toEqual([
      'fine.service',
      'good.service',
    ]);
    expect(await registry.getUnit('bad.service')).toBeUndefined();
    expect((await registry.listAssignments()).items).toEqual([]);
    expect((await registry.listMachines()).items.map((m) => m.id)).toEqual(['m1']);
    expect((await registry.listUnitStates()).items).toEqual([]);
    await eventually(h(), () => c.events.length >= 1, 'the good event');
    expect(c.events.map((e) => e.type === 'put' && e.unit.name)).toEqual(['fine.service']);
    const keys = new Set(h().issues.map((i) => (i.kind === 'corrupt-record' ? i.key : '')));
    for (const k of ['unit/bad.service', 'unit/odd.service', 'assign/m1/bad.service']) {
      expect(
        [...keys].some((x) => x.endsWith(k)),
        k,
      ).toBe(true);
    }
    for (const k of ['machine/m2/object', 'state/bad.service/m1', 'unit/worse.service']) {
      expect(
        [...keys].some((x) => x.endsWith(k)),
        k,
      ).toBe(true);
    }
    await rejectsWith(registry.setDesiredState('bad.service', 'loaded'), 'REGISTRY_CORRUPT_RECORD');
    expect(await registry.destroyUnit('bad.service')).toBe(true);
    await registry.replaceUnit(unit('odd.service'));
    expect(await registry.getUnit('odd.service')).toMatchObject({ name: 'odd.service' });
    await registry.applyAssignments(token, []);
    await w.close();
  });

  it('refuses calls after close and ends its handles', async () => {
    const { registry } = h();
    const lead = await registry.campaign('engine', 10);
    const s = await registry.registerMachine(machine('m1'), 10);
    registry.watchUnits('1', () => {});
    await registry.close();
    await registry.close();
    expect(lead?.signal.aborted).toBe(true);
    expect(lead?.isLeader()).toBe(false);
    expect(s.signal.aborted).toBe(true);
    await rejectsWith(registry.listUnits(), 'REGISTRY_CLOSED');
  });
}
