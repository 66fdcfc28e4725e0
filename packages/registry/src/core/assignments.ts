// The assignment table (`assign/<machineId>/<unit>`) and unit reasons: written only by the
// engine, every write fenced by the leader key.
import { assignmentSchema, encodeAssignment, encodeReason } from '../codec.js';
import { InvalidInputError, NotLeaderError } from '../errors.js';
import type { KvOp } from '../kv/kv.js';
import type { ApplyResult, Assignment, AssignmentOp, Listing } from '../types.js';
import type { Core } from './core.js';
import { fenceCompare, leaderFromResult } from './fence.js';
import { byteOrder, rangeAll, snapshot } from './read.js';
import { checkAssignmentOp, checkMachineId, checkToken, checkUnitName } from './validate.js';

const ORDER: Record<AssignmentOp['type'], number> = { unschedule: 0, update: 1, schedule: 2 };

function toKvOp(core: Core, op: AssignmentOp): KvOp {
  const key = core.keys.assignment(op.machineId, op.unit);
  if (op.type === 'unschedule') return { type: 'delete', key };
  const put: KvOp = {
    type: 'put',
    key,
    value: encodeAssignment(op.unit, op.hash, op.desiredState),
  };
  if (op.type === 'schedule') return put;
  return {
    type: 'txn',
    txn: { compare: [{ key, target: 'version', op: '>', value: 0n }], success: [put], failure: [] },
  };
}

function opBytes(core: Core, op: AssignmentOp): number {
  return core.keys.assignment(op.machineId, op.unit).length + 200 + op.unit.length;
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
  const ordered = opsIn
    .map((op, i) => ({ op, i }))
    .sort((a, b) => ORDER[a.op.type] - ORDER[b.op.type] || a.i - b.i)
    .map((x) => x.op);
  const batches = ordered.length === 0 ? [[]] : batchesOf(core, ordered);
  const skipped: AssignmentOp[] = [];
  let committed = 0;
  let revision = 0n;
  for (const batch of batches) {
    const res = await core.kv.txn({
      compare: [fenceCompare(core, token)],
      success: batch.map((op) => toKvOp(core, op)),
      failure: [{ type: 'range', key: core.keys.leader() }],
    });
    if (!res.succeeded) {
      throw new NotLeaderError(tokenIn, leaderFromResult(core, res.results[0]), committed);
    }
    if (batch.length > 0) committed++;
    revision = res.revision;
    batch.forEach((op, j) => {
      const r = res.results[j];
      if (op.type === 'update' && r?.type === 'txn' && !r.succeeded) skipped.push(op);
    });
  }
  return { revision: revision.toString(), batches: committed, skipped };
}

/** See {@link Registry.listAssignments}. */
export async function listAssignments(
  core: Core,
  machineIdIn?: string,
): Promise<Listing<Assignment>> {
  const machineId = machineIdIn === undefined ? undefined : checkMachineId(machineIdIn);
  return snapshot(async () => {
    const { kvs, revision } = await rangeAll(core, core.keys.assignments(machineId));
    const items: Assignment[] = [];
    for (const rec of kvs) {
      const parsed = core.keys.parse(rec.key);
      if (parsed?.kind !== 'assign') {
        core.corrupt(rec.key, 'not an assignment key');
        continue;
      }
      const a = core.decode(assignmentSchema, rec);
      if (a === undefined) continue;
      if (a.unit !== parsed.name) {
        core.corrupt(rec.key, `record names unit ${a.unit}`);
        continue;
      }
      items.push({
        machineId: parsed.machineId,
        unit: a.unit,
        hash: a.hash,
        desiredState: a.desiredState,
        revision: rec.modRevision.toString(),
      });
    }
    items.sort((a, b) => byteOrder(a.machineId, b.machineId) || byteOrder(a.unit, b.unit));
    return { items, revision: revision.toString() };
  });
}

/** See {@link Registry.setUnitReason}. */
export async function setUnitReason(
  core: Core,
  tokenIn: string,
  nameIn: string,
  reason: string | null,
): Promise<boolean> {
  const token = checkToken(tokenIn);
  const name = checkUnitName(nameIn);
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
