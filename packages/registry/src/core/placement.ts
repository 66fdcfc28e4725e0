// "Where is unit U?": the unit's assignments found through the index `placed/<unit>/<machineId>`,
// which the engine writes and removes in the same fenced transaction as each assignment, so one
// unit costs a few keys however large the cluster is.
//
// Assignments written before the index existed (by an older engine) have no entry. Until the
// `placed-ready` marker is present, a placement read falls back to the whole assignment table
// (as every read did before the index) and indexes what it found, each entry only if its
// assignment is still the one it read; then, if no assignment changed meanwhile, it writes the
// marker. From then on every read trusts the index.
import { compareStrings } from '@fleet/unit';
import { encodePlacementsReady } from '../codec.js';
import type { KvOp } from '../kv/kv.js';
import type { Assignment, Listing } from '../types.js';
import { listAssignments, toAssignment } from './assignments.js';
import type { Core } from './core.js';
import { snapshot } from './read.js';
import { checkStoredUnitName } from './validate.js';

/** See {@link Registry.getPlacement}. */
export async function getPlacement(core: Core, nameIn: string): Promise<Listing<Assignment>> {
  const name = checkStoredUnitName(nameIn);
  return snapshot(async () => {
    const index = core.keys.placements(name);
    const res = await core.kv.txn({
      compare: [],
      success: [
        { type: 'range', key: index.start, rangeEnd: index.end },
        { type: 'range', key: core.keys.placementsReady() },
      ],
      failure: [],
    });
    const [entries, ready] = res.results;
    if (ready?.type !== 'range' || ready.kvs.length === 0) return backfill(core, name);
    const machines: string[] = [];
    for (const rec of entries?.type === 'range' ? entries.kvs : []) {
      const parsed = core.keys.parse(rec.key);
      if (parsed?.kind === 'placed') machines.push(parsed.machineId);
      else core.corrupt(rec.key, 'not a placement key');
    }
    // Read at the index's revision: the assignments as they were when it was read. An entry whose
    // assignment is gone was left by an engine that predates the index: skipped.
    const reads = await Promise.all(
      machines.map((m) =>
        core.kv.range({ key: core.keys.assignment(m, name), revision: res.revision }),
      ),
    );
    const items = reads.flatMap((r) => r.kvs.flatMap((rec) => toAssignment(core, rec) ?? []));
    items.sort((a, b) => compareStrings(a.machineId, b.machineId));
    return { items, revision: res.revision.toString() };
  });
}

/** The unit's assignments from the whole table, indexing the table on the way (see above). */
async function backfill(core: Core, name: string): Promise<Listing<Assignment>> {
  const all = await listAssignments(core);
  const ops: KvOp[] = all.items.map((a) => {
    const key = core.keys.assignment(a.machineId, a.unit);
    return {
      type: 'txn',
      txn: {
        compare: [{ key, target: 'mod', op: '==', value: BigInt(a.revision) }],
        success: [{ type: 'put', key: core.keys.placement(a.unit, a.machineId), value: '' }],
        failure: [],
      },
    };
  });
  for (let i = 0; i < ops.length; i += core.limits.maxOpsPerTxn) {
    await core.kv.txn({
      compare: [],
      success: ops.slice(i, i + core.limits.maxOpsPerTxn),
      failure: [],
    });
  }
  const table = core.keys.assignments();
  await core.kv.txn({
    compare: [
      {
        key: table.start,
        rangeEnd: table.end,
        target: 'mod',
        op: '<',
        value: BigInt(all.revision) + 1n,
      },
    ],
    success: [
      { type: 'put', key: core.keys.placementsReady(), value: encodePlacementsReady(all.revision) },
    ],
    failure: [],
  });
  return { items: all.items.filter((a) => a.unit === name), revision: all.revision };
}
