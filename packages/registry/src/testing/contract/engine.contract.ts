// Contract: leadership, fencing, assignments and unit reasons (everything the engine writes).
import { compareStrings } from '@fleet/unit';
import { expect, it } from 'vitest';
import type { AssignmentEvent, AssignmentOp } from '../../types.js';
import { stall } from '../stall.js';
import type { ContractHarness } from './harness.js';
import { eventually, rejectsWith, unit } from './harness.js';

const HASH = 'a'.repeat(40);
const sched = (machineId: string, u: string): AssignmentOp => ({
  kind: 'schedule',
  machineId,
  unit: u,
  hash: HASH,
  desiredState: 'launched',
});

/** Registers the engine-side tests; `h()` is the current test's harness. */
export function engineContract(h: () => ContractHarness): void {
  it('elects one leader at a time and hands over on resign', async () => {
    const { registry } = h();
    const one = await registry.campaign('engine-1', 10);
    expect(one?.isLeader()).toBe(true);
    expect(await registry.campaign('engine-2', 10)).toBeUndefined();
    expect(await registry.getLeader()).toEqual({ candidateId: 'engine-1', token: one?.token });
    await one?.resign();
    expect(one?.isLeader()).toBe(false);
    expect(one?.signal.aborted).toBe(true);
    expect(await registry.getLeader()).toBeUndefined();
    const two = await registry.campaign('engine-2', 10);
    expect(BigInt(two?.token ?? '0')).toBeGreaterThan(BigInt(one?.token ?? '0'));
    await one?.resign();
    expect(await registry.getLeader()).toMatchObject({ candidateId: 'engine-2' });
  });

  it('applies fenced assignment ops in batches and lists them per machine, sorted', async () => {
    const { registry } = h();
    const lead = await registry.campaign('engine', 10);
    const token = lead?.token ?? '';
    const ops = Array.from({ length: 250 }, (_, i) => sched(`m${i % 3}`, `u${i}.service`));
    const res = await registry.applyAssignments(token, ops);
    expect(res.batches).toBe(3);
    const m1 = await registry.listAssignments('m1');
    expect(m1.items).toHaveLength(83);
    expect(m1.items.every((a) => a.machineId === 'm1')).toBe(true);
    const names = m1.items.map((a) => a.unit);
    expect(names).toEqual([...names].sort(compareStrings));
    const all = await registry.listAssignments();
    expect(all.items.map((a) => a.machineId)).toEqual([
      ...Array<string>(84).fill('m0'),
      ...Array<string>(83).fill('m1'),
      ...Array<string>(83).fill('m2'),
    ]);
    expect(BigInt(all.revision)).toBeGreaterThanOrEqual(BigInt(res.revision));
  });

  it("writes each machine's ops in as few transactions as the limits allow", async () => {
    // Plan order interleaves machines: 20 machines x 10 units in two transactions of 100 ops;
    // each machine's watch should see one revision (one wake-up of its agent), not two.
    const harness = h();
    const { registry } = harness;
    const token = (await registry.campaign('engine', 10))?.token ?? '';
    const machines = Array.from({ length: 20 }, (_, m) => `m${m}`);
    const ops: AssignmentOp[] = [];
    for (let u = 0; u < 10; u++) for (const m of machines) ops.push(sched(m, `u${u}-${m}.service`));
    const start = (await registry.listAssignments()).revision;
    const revisions = new Map<string, Set<string>>();
    let puts = 0;
    const watch = registry.watchAssignments(undefined, start, (e) => {
      if (e.type !== 'put') return;
      puts++;
      const seen = revisions.get(e.assignment.machineId) ?? new Set<string>();
      revisions.set(e.assignment.machineId, seen.add(e.revision));
    });
    try {
      const res = await registry.applyAssignments(token, ops);
      expect(res.batches).toBe(2);
      await eventually(harness, () => puts === 200, 'every assignment seen');
      expect(machines.map((m) => revisions.get(m)?.size)).toEqual(machines.map(() => 1));
    } finally {
      await watch.close();
    }
  });

  it('returns a revision no earlier than any of its writes: their watch echoes and listed revisions', async () => {
    // The engine records its own writes at this revision and ignores older (lagging) echoes.
    const { registry } = h();
    const token = (await registry.campaign('engine', 10))?.token ?? '';
    await registry.applyAssignments(
      token,
      Array.from({ length: 150 }, (_, i) => sched('old', `u${i}.service`)),
    );
    const before = await registry.listAssignments();
    const ops: AssignmentOp[] = [];
    for (let i = 0; i < 150; i++) {
      ops.push(sched('new', `u${i}.service`));
      ops.push({ kind: 'unschedule', machineId: 'old', unit: `u${i}.service` });
    }
    const res = await registry.applyAssignments(token, ops);
    expect(res.batches).toBe(3);
    const events: AssignmentEvent[] = [];
    const w = registry.watchAssignments(undefined, before.revision, (e) => events.push(e));
    await eventually(h(), () => events.length >= 300, 'every echo');
    await w.close();
    const revs = events.map((e) => BigInt('revision' in e ? e.revision : '0'));
    expect(revs.every((r) => r > BigInt(before.revision) && r <= BigInt(res.revision))).toBe(true);
    // The last batch's echoes carry the returned revision itself.
    expect(revs.some((r) => r === BigInt(res.revision))).toBe(true);
    const listed = (await registry.listAssignments()).items.map((a) => BigInt(a.revision));
    expect(listed.every((r) => r <= BigInt(res.revision))).toBe(true);
  });

  it('moves many units at once: every unschedule commits before any schedule', async () => {
    const { registry } = h();
    const token = (await registry.campaign('engine', 10))?.token ?? '';
    const n = 350; // several batches of each kind
    await registry.applyAssignments(
      token,
      Array.from({ length: n }, (_, i) => sched('old', `u${i}.service`)),
    );
    const before = await registry.listAssignments();
    const ops: AssignmentOp[] = [];
    for (let i = 0; i < n; i++) {
      ops.push(sched('new', `u${i}.service`));
      ops.push({ kind: 'unschedule', machineId: 'old', unit: `u${i}.service` });
    }
    const res = await registry.applyAssignments(token, ops);
    expect(res.batches).toBe(7);
    const events: AssignmentEvent[] = [];
    const w = registry.watchAssignments(undefined, before.revision, (e) => events.push(e));
    await eventually(h(), () => events.length >= 2 * n, 'every move');
    await w.close();
    const rev = (e: AssignmentEvent) => ('revision' in e ? BigInt(e.revision) : 0n);
    const lastDelete = events.filter((e) => e.type === 'delete').map(rev);
    const firstPut = events.filter((e) => e.type === 'put').map(rev);
    // (a batch holding the last unschedules and the first schedules commits them together)
    expect(lastDelete.reduce((a, b) => (b > a ? b : a))).toBeLessThanOrEqual(
      firstPut.reduce((a, b) => (b < a ? b : a)),
    );
    const after = await registry.listAssignments();
    expect(after.items.map((a) => a.machineId)).toEqual(Array<string>(n).fill('new'));
  });

  it('moves, updates and unschedules idempotently; updates of absent assignments are skipped', async () => {
    const { registry } = h();
    const token = (await registry.campaign('engine', 10))?.token ?? '';
    await registry.applyAssignments(token, [sched('m1', 'web.service')]);
    const move: AssignmentOp[] = [
      sched('m2', 'web.service'),
      { kind: 'unschedule', machineId: 'm1', unit: 'web.service' },
      { kind: 'update', machineId: 'm3', unit: 'gone.service', hash: HASH, desiredState: 'loaded' },
    ];
    const res = await registry.applyAssignments(token, move);
    expect(res.skipped).toEqual([move[2]]);
    expect(await registry.applyAssignments(token, move)).toMatchObject({ skipped: [move[2]] });
    await registry.applyAssignments(token, [
      { kind: 'update', machineId: 'm2', unit: 'web.service', hash: HASH, desiredState: 'loaded' },
    ]);
    const all = await registry.listAssignments();
    expect(all.items).toEqual([
      expect.objectContaining({ machineId: 'm2', unit: 'web.service', desiredState: 'loaded' }),
    ]);
    await rejectsWith(
      registry.applyAssignments(token, [sched('m1', 'a.service'), sched('m1', 'a.service')]),
      'REGISTRY_INVALID_INPUT',
    );
    await rejectsWith(
      registry.applyAssignments(token, [sched('m/1', 'a.service')]),
      'REGISTRY_INVALID_INPUT',
    );
  });

  it("refuses a deposed leader's fenced writes and names the new leader", async () => {
    const { registry } = h();
    const one = await registry.campaign('engine-1', 10);
    const old = one?.token ?? '';
    await registry.applyAssignments(old, [sched('m1', 'a.service')]);
    await one?.resign();
    const err = await rejectsWith(
      registry.applyAssignments(old, [sched('m1', 'b.service')]),
      'REGISTRY_NOT_LEADER',
    );
    expect(err).toMatchObject({ currentLeader: undefined, committedBatches: 0 });
    const two = await registry.campaign('engine-2', 10);
    const err2 = await rejectsWith(registry.applyAssignments(old, []), 'REGISTRY_NOT_LEADER');
    expect(err2).toMatchObject({ currentLeader: { candidateId: 'engine-2', token: two?.token } });
    await rejectsWith(registry.setUnitReason(old, 'a.service', 'x'), 'REGISTRY_NOT_LEADER');
    await rejectsWith(registry.applyAssignments('12345678', []), 'REGISTRY_NOT_LEADER');
    await rejectsWith(registry.applyAssignments('nope', []), 'REGISTRY_INVALID_INPUT');
    expect((await registry.listAssignments()).items.map((a) => a.unit)).toEqual(['a.service']);
  });

  it('fences a paused leader locally, lets its lease expire, and refuses its writes', async () => {
    const { registry } = h();
    const one = await registry.campaign('engine-1', 2);
    if (one === undefined) throw new Error('not elected');
    stall(one);
    h().passTime(1_700); // fenced 2,000 - 333 ms after its last renewal, before etcd expires it
    await eventually(h(), () => !one.isLeader(), 'the paused leader to fence itself');
    // Suspended, not ended: a renewal acknowledged in time would resume it.
    expect(one.signal.aborted).toBe(false);
    h().passTime(2_000);
    const two = await eventually(h(), () => registry.campaign('engine-2', 10), 'a new leader');
    expect(one.isLeader()).toBe(false); // its lease is gone: no renewal can resume it
    await rejectsWith(
      registry.applyAssignments(one.token, [sched('m', 'a.service')]),
      'REGISTRY_NOT_LEADER',
    );
    await registry.applyAssignments(two.token, [sched('m', 'a.service')]);
  });

  it('records unit reasons, fenced, only for units that exist', async () => {
    const { registry } = h();
    const token = (await registry.campaign('engine', 10))?.token ?? '';
    await registry.createUnit(unit('web.service'));
    expect(await registry.setUnitReason(token, 'web.service', 'no machine matches')).toBe(true);
    expect(await registry.getUnit('web.service')).toMatchObject({ reason: 'no machine matches' });
    expect((await registry.listUnits()).items[0]).toMatchObject({ reason: 'no machine matches' });
    expect(await registry.setUnitReason(token, 'other.service', 'x')).toBe(false);
    expect(await registry.setUnitReason(token, 'web.service', null)).toBe(true);
    expect(await registry.getUnit('web.service')).not.toHaveProperty('reason');
    await registry.setUnitReason(token, 'web.service', 'again');
    await registry.destroyUnit('web.service');
    await registry.createUnit(unit('web.service'));
    expect(await registry.getUnit('web.service')).not.toHaveProperty('reason');
    expect(await h().rawKeys('reason/')).toEqual([]);
  });
}
