// The assignment table (`assign/<machineId>/<unit>`, with its per-unit index
// `placed/<unit>/<machineId>`) and unit reasons: written only by the engine, every write fenced
// by the leader key.
import { compareStrings } from '@fleet/unit';
import {
  assignmentSchema,
  encodeAssignment,
  encodePlacementsReady,
  encodeReason,
} from '../codec.js';
import { InvalidInputError, NotLeaderError } from '../errors.js';
import type { KvCompare, KvOp, KvRecord, KvTxnResult } from '../kv/kv.js';
import type { ApplyResult, Assignment, AssignmentOp, Listing } from '../types.js';
import type { Core } from './core.js';
import { fenceCompare, leaderFromResult } from './fence.js';
import { rangeAll, snapshot } from './read.js';
import { checkAssignmentOp, checkMachineId, checkToken, checkStoredUnitName } from './validate.js';

const ORDER: Record<AssignmentOp['kind'], number> = { unschedule: 0, update: 1, schedule: 2 };

/** Batched transactions of one kind in flight at once. */
const BATCHES_IN_FLIGHT = 8;

/**
 * One assignment op as one nested transaction that writes the assignment and its index entry
 * together (one op of the outer transaction, so `maxOpsPerTxn` still counts assignments). An
 * update writes the index too, which also indexes an assignment written before the index existed.
 */
function toKvOp(core: Core, op: AssignmentOp): KvOp {
  const key = core.keys.assignment(op.machineId, op.unit);
  const index = core.keys.placement(op.unit, op.machineId);
  if (op.kind === 'unschedule') {
    const success: KvOp[] = [
      { type: 'delete', key },
      { type: 'delete', key: index },
    ];
    return { type: 'txn', txn: { compare: [], success, failure: [] } };
  }
  const success: KvOp[] = [
    { type: 'put', key, value: encodeAssignment(op.unit, op.hash, op.desiredState) },
    { type: 'put', key: index, value: '' },
  ];
  const compare = op.kind === 'schedule' ? [] : [existsCompare(key)];
  return { type: 'txn', txn: { compare, success, failure: [] } };
}

const existsCompare = (key: string): KvCompare => ({ key, target: 'version', op: '>', value: 0n });

/** An op's share of the request: its two keys (of one length), the value and some framing. */
function opBytes(core: Core, op: AssignmentOp): number {
  return 2 * core.keys.assignment(op.machineId, op.unit).length + 200 + op.unit.length;
}

/** Splits ordered ops into batches within the op and byte limits. */
function batchesOf(core: Core, ops: readonly AssignmentOp[]): AssignmentOp[][] {
  const out: AssignmentOp[][] = [];
  let cur: AssignmentOp[] = [];
  let bytes = 0;
  const budget = core.limits.maxRequestBytes - 4096;
  for (const op of ops) {
    const b = opBytes(core, op);
    if (cur.length >= core.limits.maxOpsPerTxn || bytes + b > budget) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(op);
    bytes += b;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** See {@link Registry.applyAssignments}. */
export async function applyAssignments(
  core: Core,
  tokenIn: string,
  opsIn: readonly AssignmentOp[],
): Promise<ApplyResult> {
  const token = checkToken(tokenIn);
  const seen = new Set<string>();
  for (const op of opsIn) {
    checkAssignmentOp(op);
    const id = `${op.machineId}/${op.unit}`;
    if (seen.has(id)) throw new InvalidInputError(`assignment ${id} appears more than once`);
    seen.add(id);
  }
  if (!core.placementsChecked && opsIn.length > 0) await markFreshIndex(core);
  // By kind (unschedules commit first), then by machine: a machine's ops go in as few
  // transactions as the limits allow, so its agent wakes once for them, not once per op (a launch
  // of 10 units on each of 1,000 machines, in plan order, woke every agent about ten times).
  const ordered = opsIn
    .map((op, i) => ({ op, i }))
    .sort(
      (a, b) =>
        ORDER[a.op.kind] - ORDER[b.op.kind] ||
        compareStrings(a.op.machineId, b.op.machineId) ||
        a.i - b.i,
    )
    .map((x) => x.op);
  const batches = ordered.length === 0 ? [[]] : batchesOf(core, ordered);
  const skipped: AssignmentOp[][] = batches.map(() => []);
  let committed = 0;
  let revision = 0n;
  // Batches of one kind are independent and idempotent: a few are in flight at once (one after
  // another, 10,000 assignments cost 100 commits in a row). Kinds still go in order, so an
  // unschedule always commits before the schedule that moves the unit.
  for (const phase of phasesOf(batches)) {
    let next = 0;
    const writer = async (): Promise<void> => {
      for (let i = next++; i < phase.length; i = next++) {
        const { batch, index } = phase[i] ?? { batch: [], index: 0 };
        let res: KvTxnResult;
        try {
          res = await core.kv.txn({
            compare: [fenceCompare(core, token)],
            success: batch.map((op) => toKvOp(core, op)),
            failure: [{ type: 'range', key: core.keys.leader() }],
          });
        } catch (err) {
          next = phase.length; // start no more batches
          throw err;
        }
        if (!res.succeeded) {
          next = phase.length; // start no more batches
          throw new NotLeaderError(tokenIn, leaderFromResult(core, res.results[0]), committed);
        }
        if (batch.length > 0) committed++;
        if (res.revision > revision) revision = res.revision;
        batch.forEach((op, j) => {
          const r = res.results[j];
          if (op.kind === 'update' && r?.type === 'txn' && !r.succeeded) skipped[index]?.push(op);
        });
      }
    };
    const writers = Array.from({ length: Math.min(BATCHES_IN_FLIGHT, phase.length) }, writer);
    const results = await Promise.allSettled(writers);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }
  return { revision: revision.toString(), batches: committed, skipped: skipped.flat() };
}

/**
 * On a store with no assignment yet, the placement index is complete from the start: marks it so
 * (once per registry), so that no placement read ever needs the one-time scan (placement.ts).
 */
async function markFreshIndex(core: Core): Promise<void> {
  const table = core.keys.assignments();
  const ready = core.keys.placementsReady();
  await core.kv.txn({
    compare: [
      { key: table.start, rangeEnd: table.end, target: 'version', op: '==', value: 0n },
      { key: ready, target: 'version', op: '==', value: 0n },
    ],
    success: [{ type: 'put', key: ready, value: encodePlacementsReady('0') }],
    failure: [],
  });
  core.placementsChecked = true;
}

/** Consecutive batches grouped by the kind of their first op (batches never mix kinds' order). */
function phasesOf(batches: AssignmentOp[][]): { batch: AssignmentOp[]; index: number }[][] {
  const out: { batch: AssignmentOp[]; index: number }[][] = [];
  let kind: string | undefined;
  batches.forEach((batch, index) => {
    // A batch that spans two kinds starts a phase of its own, so order across kinds holds.
    const kinds = new Set(batch.map((op) => op.kind));
    const k = kinds.size === 1 ? [...kinds][0] : `mixed-${index}`;
    if (k !== kind || kinds.size !== 1 || out.length === 0) out.push([]);
    kind = kinds.size === 1 ? k : undefined;
    out[out.length - 1]?.push({ batch, index });
  });
  return out;
}

/** See {@link Registry.listAssignments}. */
export async function listAssignments(
  core: Core,
  machineIdIn?: string,
): Promise<Listing<Assignment>> {
  const machineId = machineIdIn === undefined ? undefined : checkMachineId(machineIdIn);
  return snapshot(async () => {
    const { kvs, revision } = await rangeAll(core, core.keys.assignments(machineId));
    const items = kvs.flatMap((rec) => toAssignment(core, rec) ?? []);
    items.sort(
      (a, b) => compareStrings(a.machineId, b.machineId) || compareStrings(a.unit, b.unit),
    );
    return { items, revision: revision.toString() };
  });
}

/** A stored assignment as the public type, or undefined (reported) if it is corrupt. */
export function toAssignment(core: Core, rec: KvRecord): Assignment | undefined {
  const parsed = core.keys.parse(rec.key);
  if (parsed?.kind !== 'assign') return core.corrupt(rec.key, 'not an assignment key');
  const a = core.decode(assignmentSchema, rec);
  if (a === undefined) return undefined;
  if (a.unit !== parsed.name) return core.corrupt(rec.key, `record names unit ${a.unit}`);
  return {
    machineId: parsed.machineId,
    unit: a.unit,
    hash: a.hash,
    desiredState: a.desiredState,
    revision: rec.modRevision.toString(),
  };
}

/** See {@link Registry.setUnitReason}. */
export async function setUnitReason(
  core: Core,
  tokenIn: string,
  nameIn: string,
  reason: string | null,
): Promise<boolean> {
  const token = checkToken(tokenIn);
  const name = checkStoredUnitName(nameIn);
  if (reason !== null && typeof reason !== 'string') {
    throw new InvalidInputError('a reason must be a string, or null to clear it');
  }
  const key = core.keys.reason(name);
  const res = await core.kv.txn({
    compare: [
      fenceCompare(core, token),
      { key: core.keys.unit(name), target: 'version', op: '>', value: 0n },
    ],
    success: [
      reason === null ? { type: 'delete', key } : { type: 'put', key, value: encodeReason(reason) },
    ],
    failure: [{ type: 'range', key: core.keys.leader() }],
  });
  if (res.succeeded) return true;
  const leader = leaderFromResult(core, res.results[0]);
  if (leader?.token !== token.toString()) throw new NotLeaderError(tokenIn, leader, 0);
  return false;
}
