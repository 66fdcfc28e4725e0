// Rollout records: the current one of each group (`rollout/<group>`) and the last finished ones
// (`rollout-history/<group>/<id>`). The engine writes them fenced; operators only pause and
// resume, by compare-and-swap on the record's revision. Every write moves the records' content
// pins in the same transaction (rollout-pins.ts).
import { compareStrings } from '@fleet/unit';
import {
  ConflictError,
  CorruptRecordError,
  InvalidInputError,
  NotLeaderError,
  RolloutNotFoundError,
  RolloutStateError,
} from '../errors.js';
import type { KvCompare, KvOp, KvRecord, KvTxnResult } from '../kv/kv.js';
import type { Rollout, RolloutInput, RolloutRecords } from '../rollout-types.js';
import type { Listing } from '../types.js';
import type { Core } from './core.js';
import { fenceCompare, leaderFromResult } from './fence.js';
import { rangeAll, snapshot } from './read.js';
import { decodeRollout, encodeRollout, pinnedHashes } from './rollout-codec.js';
import { pinOps, restoreContentOps } from './rollout-pins.js';
import { checkStoredUnitName, checkToken } from './validate.js';

/** Finished rollouts kept per group. */
export const ROLLOUT_HISTORY_LIMIT = 10;

const sameRecord = (key: string, rec: KvRecord | undefined): KvCompare =>
  rec === undefined
    ? { key, target: 'create', op: '==', value: 0n }
    : { key, target: 'mod', op: '==', value: rec.modRevision };

const withoutRevision = (r: Rollout): RolloutInput => {
  const { revision: _, ...rest } = r;
  return rest;
};

/** See {@link Registry.listRollouts}. */
export async function listRollouts(core: Core): Promise<Listing<Rollout>> {
  return snapshot(async () => {
    const { kvs, revision } = await rangeAll(core, core.keys.rollouts());
    const items = kvs.flatMap((rec) => decodeRollout(core, rec) ?? []);
    items.sort((a, b) => compareStrings(a.group, b.group));
    return { items, revision: revision.toString() };
  });
}

/** See {@link Registry.getRollout}. */
export async function getRollout(core: Core, groupIn: string): Promise<RolloutRecords> {
  const group = checkStoredUnitName(groupIn);
  const history = core.keys.rolloutHistories(group);
  const res = await core.kv.txn({
    compare: [],
    success: [
      { type: 'range', key: core.keys.rollout(group) },
      { type: 'range', key: history.start, rangeEnd: history.end },
    ],
    failure: [],
  });
  const [cur, hist] = res.results;
  const rec = cur?.type === 'range' ? cur.kvs[0] : undefined;
  const old = hist?.type === 'range' ? hist.kvs : [];
  return {
    current: rec === undefined ? undefined : decodeRollout(core, rec),
    history: old.flatMap((r) => decodeRollout(core, r) ?? []).reverse(),
  };
}

/** After a fenced write failed: NotLeaderError if the fence was why (else the record changed). */
function checkFence(core: Core, tokenIn: string, token: bigint, res: KvTxnResult): void {
  const leader = leaderFromResult(core, res.results[0]);
  if (leader?.token !== token.toString()) throw new NotLeaderError(tokenIn, leader, 0);
}

/** See {@link Registry.putRollout}. */
export async function putRollout(
  core: Core,
  tokenIn: string,
  input: RolloutInput,
  expectRevision?: string,
): Promise<Rollout> {
  const token = checkToken(tokenIn);
  if (expectRevision !== undefined && !/^[0-9]{1,19}$/.test(expectRevision)) {
    throw new InvalidInputError(`invalid revision ${JSON.stringify(expectRevision)}`);
  }
  const { record, json } = encodeRollout(input);
  const key = core.keys.rollout(record.group);
  for (let attempt = 0; attempt < core.limits.maxCasAttempts; attempt++) {
    const rec = (await core.kv.range({ key })).kvs[0];
    const found = (rec?.modRevision ?? 0n).toString();
    if (expectRevision !== undefined && found !== expectRevision) {
      throw new ConflictError(
        `the rollout of ${record.group} is at revision ${found}, not ${expectRevision}`,
      );
    }
    const old = rec === undefined ? undefined : decodeRollout(core, rec);
    const fresh = pinnedHashes(record).filter(
      (h) => old === undefined || !pinnedHashes(old).includes(h),
    );
    const ops: KvOp[] = [
      { type: 'put', key, value: json },
      ...pinOps(core, old === undefined ? [] : [old], [record]),
      ...(await restoreContentOps(core, fresh, record.units)),
    ];
    const res = await core.kv.txn({
      compare: [fenceCompare(core, token), sameRecord(key, rec)],
      success: ops,
      failure: [{ type: 'range', key: core.keys.leader() }],
    });
    if (res.succeeded) return { ...record, revision: res.revision.toString() };
    checkFence(core, tokenIn, token, res);
    if (expectRevision !== undefined) {
      throw new ConflictError(`the rollout of ${record.group} changed concurrently`);
    }
  }
  throw new ConflictError(`the rollout of ${record.group} kept changing; the write gave up`);
}

/** See {@link Registry.finishRollout}. */
export async function finishRollout(
  core: Core,
  tokenIn: string,
  groupIn: string,
): Promise<Rollout | undefined> {
  const token = checkToken(tokenIn);
  const group = checkStoredUnitName(groupIn);
  const key = core.keys.rollout(group);
  for (let attempt = 0; attempt < core.limits.maxCasAttempts; attempt++) {
    const histRange = core.keys.rolloutHistories(group);
    const read = await core.kv.txn({
      compare: [],
      success: [
        { type: 'range', key },
        { type: 'range', key: histRange.start, rangeEnd: histRange.end },
      ],
      failure: [],
    });
    const [c, hs] = read.results;
    const rec = c?.type === 'range' ? c.kvs[0] : undefined;
    if (rec === undefined) return undefined;
    const cur = decodeRollout(core, rec);
    if (cur === undefined) throw new CorruptRecordError(rec.key, 'cannot finish the rollout');
    const history = (hs?.type === 'range' ? hs.kvs : [])
      .flatMap((r) => {
        const d = decodeRollout(core, r);
        return d === undefined ? [] : [{ d, rec: r }];
      })
      .filter((h) => h.d.id !== cur.id);
    const excess = history.length + 1 - ROLLOUT_HISTORY_LIMIT;
    const trimmed = excess > 0 ? history.slice(0, excess) : [];
    const kept = [...history.slice(trimmed.length).map((h) => h.d), cur];
    const ops: KvOp[] = [
      { type: 'put', key: core.keys.rolloutHistory(group, cur.id), value: rec.value },
      { type: 'delete', key },
      ...trimmed.map((h): KvOp => ({ type: 'delete', key: h.rec.key })),
      ...pinOps(core, [...trimmed.map((h) => h.d), ...kept], kept),
    ];
    const res = await core.kv.txn({
      compare: [fenceCompare(core, token), sameRecord(key, rec)],
      success: ops,
      failure: [{ type: 'range', key: core.keys.leader() }],
    });
    if (res.succeeded) return { ...withoutRevision(cur), revision: res.revision.toString() };
    checkFence(core, tokenIn, token, res);
  }
  throw new ConflictError(`the rollout of ${group} kept changing; finishing it gave up`);
}

/** See {@link Registry.setRolloutState}. */
export async function setRolloutState(
  core: Core,
  groupIn: string,
  state: 'paused' | 'running',
  reason?: string,
): Promise<Rollout> {
  const group = checkStoredUnitName(groupIn);
  if (state !== 'paused' && state !== 'running') {
    throw new InvalidInputError(
      `invalid rollout state ${JSON.stringify(state)} (paused or running)`,
    );
  }
  if (reason !== undefined && typeof reason !== 'string') {
    throw new InvalidInputError('a reason must be a string');
  }
  const key = core.keys.rollout(group);
  const from = state === 'paused' ? 'running' : 'paused';
  for (let attempt = 0; attempt < core.limits.maxCasAttempts; attempt++) {
    const rec = (await core.kv.range({ key })).kvs[0];
    if (rec === undefined) throw new RolloutNotFoundError(group);
    const cur = decodeRollout(core, rec);
    if (cur === undefined) throw new CorruptRecordError(rec.key, 'cannot change its state');
    if (cur.state !== from) {
      const verb = state === 'paused' ? 'paused' : 'resumed';
      throw new RolloutStateError(
        group,
        cur.state,
        `rollout ${cur.id} of ${group} is ${cur.state}: only a ${from} rollout can be ${verb}`,
      );
    }
    const { reason: _old, ...rest } = withoutRevision(cur);
    const next: RolloutInput = {
      ...rest,
      state,
      updatedAt: new Date().toISOString(),
      ...(state === 'paused' ? { reason: reason ?? 'paused by an operator' } : {}),
    };
    const res = await core.kv.txn({
      compare: [sameRecord(key, rec)],
      success: [{ type: 'put', key, value: encodeRollout(next).json }],
      failure: [],
    });
    if (res.succeeded) return { ...next, revision: res.revision.toString() };
  }
  throw new ConflictError(`the rollout of ${group} kept changing; ${state} gave up`);
}
