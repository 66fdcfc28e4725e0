// Contract: "where is unit U" (getPlacement) through the per-unit index, which lives and dies with
// its assignment, and on a store whose assignments predate the index.
import { expect, it } from 'vitest';
import type { AssignmentOp } from '../../types.js';
import type { ContractHarness } from './harness.js';
import { rejectsWith } from './harness.js';

const HASH = 'a'.repeat(40);
const OTHER = 'b'.repeat(40);
const sched = (machineId: string, unit: string): AssignmentOp => ({
  kind: 'schedule',
  machineId,
  unit,
  hash: HASH,
  desiredState: 'launched',
});
const record = (unit: string, hash = HASH) =>
  JSON.stringify({ unit, hash, desiredState: 'launched' });

/** Registers the placement tests; `h()` is the current test's harness. */
export function placementContract(h: () => ContractHarness): void {
  it('finds a unit where it is assigned, and nowhere once it is unassigned', async () => {
    const { registry } = h();
    const token = (await registry.campaign('engine', 10))?.token ?? '';
    expect((await registry.getPlacement('a.service')).items).toEqual([]);
    await registry.applyAssignments(token, [sched('m2', 'a.service'), sched('m1', 'b.service')]);
    const placed = await registry.getPlacement('a.service');
    const listed = (await registry.listAssignments()).items.filter((a) => a.unit === 'a.service');
    expect(placed.items).toEqual(listed);
    expect(placed.items).toMatchObject([{ machineId: 'm2', unit: 'a.service', hash: HASH }]);
    expect(await h().rawKeys('placed/')).toEqual(['placed/a.service/m2', 'placed/b.service/m1']);

    await registry.applyAssignments(token, [
      { kind: 'update', machineId: 'm2', unit: 'a.service', hash: OTHER, desiredState: 'loaded' },
    ]);
    expect((await registry.getPlacement('a.service')).items).toMatchObject([
      { machineId: 'm2', hash: OTHER, desiredState: 'loaded' },
    ]);

    // A move: unscheduled from m2, scheduled to m3, in one call.
    await registry.applyAssignments(token, [
      { kind: 'unschedule', machineId: 'm2', unit: 'a.service' },
      sched('m3', 'a.service'),
    ]);
    expect((await registry.getPlacement('a.service')).items.map((a) => a.machineId)).toEqual([
      'm3',
    ]);
    await registry.applyAssignments(token, [
      { kind: 'unschedule', machineId: 'm3', unit: 'a.service' },
    ]);
    expect((await registry.getPlacement('a.service')).items).toEqual([]);
    expect(await h().rawKeys('placed/')).toEqual(['placed/b.service/m1']);
  });

  it('finds a global unit on every machine it is assigned to, sorted by machine', async () => {
    const { registry } = h();
    const token = (await registry.campaign('engine', 10))?.token ?? '';
    await registry.applyAssignments(
      token,
      ['m3', 'm1', 'm2'].map((m) => sched(m, 'g.service')),
    );
    const placed = await registry.getPlacement('g.service');
    expect(placed.items.map((a) => a.machineId)).toEqual(['m1', 'm2', 'm3']);
    expect(placed.items).toEqual((await registry.listAssignments()).items);
  });

  it('writes no index entry when a fenced write is refused', async () => {
    const { registry } = h();
    const old = await registry.campaign('engine-1', 10);
    await old?.resign();
    await registry.campaign('engine-2', 10);
    await rejectsWith(
      registry.applyAssignments(old?.token ?? '', [sched('m1', 'a.service')]),
      'REGISTRY_NOT_LEADER',
    );
    expect(await h().rawKeys('placed/')).toEqual([]);
    expect((await registry.getPlacement('a.service')).items).toEqual([]);
  });

  it('finds assignments written before the index existed, and indexes them', async () => {
    const { registry } = h();
    // What an older engine left: assignments without index entries, and no marker.
    await h().putRaw('assign/m1/a.service', record('a.service'));
    await h().putRaw('assign/m2/a.service', record('a.service'));
    await h().putRaw('assign/m1/b.service', record('b.service'));
    const placed = await registry.getPlacement('a.service');
    expect(placed.items.map((a) => [a.machineId, a.unit])).toEqual([
      ['m1', 'a.service'],
      ['m2', 'a.service'],
    ]);
    expect(await h().rawKeys('placed')).toEqual([
      'placed-ready',
      'placed/a.service/m1',
      'placed/a.service/m2',
      'placed/b.service/m1',
    ]);
    // From the index now: an old engine's assignment with no entry is no longer seen, and an
    // entry whose assignment an old engine removed is skipped.
    await h().putRaw('assign/m9/c.service', record('c.service'));
    await h().putRaw('placed/b.service/m7', '');
    expect((await registry.getPlacement('c.service')).items).toEqual([]);
    expect((await registry.getPlacement('b.service')).items.map((a) => a.machineId)).toEqual([
      'm1',
    ]);
    expect(h().issues).toEqual([]);
  });

  it('refuses a malformed unit name', async () => {
    await rejectsWith(h().registry.getPlacement('a/b.service'), 'REGISTRY_INVALID_INPUT');
  });
}
