// Apply: many unit changes (create, replace, desired state, destroy) written together, guarded by
// the unit epoch. They go in one transaction when they fit etcd's limits (ops per transaction,
// request bytes); larger applies are written in batches, each guarded by the epoch the one before
// left, so a concurrent change stops the rest. Contents are stored and collected per hash with
// the same nested transactions as a single unit's write.
import { randomUUID } from 'node:crypto';
import type { DesiredState } from '@fleet/unit';
import { encodeUnit } from '../codec.js';
import {
  ConflictError,
  CorruptRecordError,
  InvalidInputError,
  StaleRevisionError,
  UnitExistsError,
  UnitNotFoundError,
} from '../errors.js';
import type { KvOp, KvRecord } from '../kv/kv.js';
import type { UnitApply, UnitApplyResult } from '../types.js';
import { dropContentIfUnused, putContentIfAbsent } from './contents.js';
import type { Core } from './core.js';
import { epochPut, readEpoch } from './epoch.js';
import { snapshot } from './read.js';
import { decodeUnit, prepareUnit, toHead, type PreparedUnit } from './unit-records.js';
import { checkDesiredState, checkStoredUnitName } from './validate.js';

/** The checked input. */
interface Checked {
  readonly create: readonly PreparedUnit[];
  readonly replace: readonly PreparedUnit[];
  readonly setState: readonly { readonly name: string; readonly state: DesiredState }[];
  readonly destroy: readonly string[];
  readonly check: bigint | undefined;
  readonly names: readonly string[];
}

/** One unit's part of a transaction. */
interface Change {
  readonly ops: KvOp[];
  /** Contents this change references (to be stored if absent). */
  readonly adds?: { readonly hash: string; readonly contentJson: string };
  /** Contents whose reference by `name` this change drops (collected if it was the last). */
  readonly drops?: { readonly hash: string; readonly name: string };
  readonly bytes: number;
}

const REVISION = /^(0|[1-9][0-9]{0,18})$/;
/** Bytes of a change without contents (keys, a small record, framing). */
const SMALL_CHANGE_BYTES = 2048;
const READ_CHUNK = 32;

/**
 * Validates everything before anything is read or written.
 * @throws InvalidInputError, UnitTooLargeError
 */
function checkInput(core: Core, req: UnitApply): Checked {
  const seen = new Set<string>();
  const once = <T extends { readonly name: string }>(x: T): T => {
    if (seen.has(x.name)) throw new InvalidInputError(`unit ${x.name} is given more than once`);
    seen.add(x.name);
    return x;
  };
  const create = (req.create ?? []).map((u) => once(prepareUnit(core, u)));
  const replace = (req.replace ?? []).map((u) => once(prepareUnit(core, u)));
  const setState = (req.setState ?? []).map((s) =>
    once({ name: checkStoredUnitName(s.name), state: checkDesiredState(s.desiredState) }),
  );
  const destroy = (req.destroy ?? []).map((n) => once({ name: checkStoredUnitName(n) }).name);
  const rev = req.checkRevision;
  if (rev !== undefined && (typeof rev !== 'string' || !REVISION.test(rev))) {
    throw new InvalidInputError(`checkRevision must be a revision (decimal), got ${String(rev)}`);
  }
  return {
    create,
    replace,
    setState,
    destroy,
    check: rev === undefined ? undefined : BigInt(rev),
    names: [...seen],
  };
}

/** The unit records of `names` at `revision` (absent: no such unit). */
async function readRecords(
  core: Core,
  names: readonly string[],
  revision: bigint,
): Promise<Map<string, KvRecord>> {
  const out = new Map<string, KvRecord>();
  for (let i = 0; i < names.length; i += READ_CHUNK) {
    const chunk = names.slice(i, i + READ_CHUNK);
    const found = await Promise.all(
      chunk.map((n) => core.kv.range({ key: core.keys.unit(n), revision })),
    );
    chunk.forEach((n, j) => {
      const rec = found[j]?.kvs[0];
      if (rec !== undefined) out.set(n, rec);
    });
  }
  return out;
}

/** A created or replaced unit's ops, given its old hash (undefined: none, or unreadable). */
function writeOf(core: Core, p: PreparedUnit, oldHash: string | undefined): Change {
  const ops: KvOp[] = [{ type: 'put', key: core.keys.unit(p.name), value: p.unitJson }];
  if (oldHash === p.hash) return { ops, bytes: p.bytes };
  if (oldHash !== undefined) ops.push({ type: 'delete', key: core.keys.ref(oldHash, p.name) });
  ops.push({ type: 'put', key: core.keys.ref(p.hash, p.name), value: '' });
  return {
    ops,
    adds: { hash: p.hash, contentJson: p.contentJson },
    ...(oldHash === undefined ? {} : { drops: { hash: oldHash, name: p.name } }),
    bytes: p.bytes,
  };
}

/**
 * What each unit needs written, judged against its record as read: the same decisions as the
 * single-unit methods (no-ops skipped, a corrupt record overwritten by a replace).
 * @throws UnitExistsError, UnitNotFoundError, CorruptRecordError
 */
function changesOf(core: Core, c: Checked, recs: ReadonlyMap<string, KvRecord>): Change[] {
  const out: Change[] = [];
  const current = (name: string) => {
    const rec = recs.get(name);
    return { rec, unit: rec === undefined ? undefined : decodeUnit(core, rec, name) };
  };
  for (const p of c.create) {
    const { rec, unit } = current(p.name);
    if (rec !== undefined) {
      throw new UnitExistsError(p.name, unit && toHead(unit, rec.modRevision));
    }
    out.push(writeOf(core, p, undefined));
  }
  for (const p of c.replace) {
    const { rec, unit } = current(p.name);
    if (rec === undefined) throw new UnitNotFoundError(p.name);
    if (unit?.hash === p.hash && unit.desiredState === p.desiredState) continue;
    out.push(writeOf(core, p, unit?.hash));
  }
  for (const { name, state } of c.setState) {
    const { rec, unit } = current(name);
    if (rec === undefined) throw new UnitNotFoundError(name);
    if (unit === undefined)
      throw new CorruptRecordError(rec.key, 'cannot change its desired state');
    if (unit.desiredState === state) continue;
    const value = encodeUnit(name, unit.hash, state);
    out.push({
      ops: [{ type: 'put', key: core.keys.unit(name), value }],
      bytes: SMALL_CHANGE_BYTES,
    });
  }
  for (const name of c.destroy) {
    const { rec, unit } = current(name);
    if (rec === undefined) continue;
    const ops: KvOp[] = [
      { type: 'delete', key: core.keys.unit(name) },
      { type: 'delete', key: core.keys.reason(name) },
    ];
    if (unit !== undefined) ops.push({ type: 'delete', key: core.keys.ref(unit.hash, name) });
    out.push({
      ops,
      ...(unit === undefined ? {} : { drops: { hash: unit.hash, name } }),
      bytes: SMALL_CHANGE_BYTES,
    });
  }
  return out;
}

/**
 * Changes in batches within the op and byte limits, counting ops as txnOps writes them: a
 * contents op once per hash of the batch, the epoch's put once.
 */
function batchesOf(core: Core, changes: readonly Change[]): Change[][] {
  const maxOps = core.limits.maxOpsPerTxn - 1; // the epoch's put
  const out: Change[][] = [];
  let batch: Change[] = [];
  let ops = 0;
  let bytes = 0;
  let hashes = new Set<string>();
  const costOf = (ch: Change): number =>
    ch.ops.length +
    (ch.adds === undefined || hashes.has(`+${ch.adds.hash}`) ? 0 : 1) +
    (ch.drops === undefined || hashes.has(`-${ch.drops.hash}`) ? 0 : 1);
  for (const ch of changes) {
    if (
      batch.length > 0 &&
      (ops + costOf(ch) > maxOps || bytes + ch.bytes > core.limits.maxRequestBytes)
    ) {
      out.push(batch);
      batch = [];
      ops = 0;
      bytes = 0;
      hashes = new Set();
    }
    ops += costOf(ch);
    bytes += ch.bytes;
    if (ch.adds !== undefined) hashes.add(`+${ch.adds.hash}`);
    if (ch.drops !== undefined) hashes.add(`-${ch.drops.hash}`);
    batch.push(ch);
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

/** One batch's ops: the units', then contents stored or collected once per hash, then the epoch. */
function txnOps(core: Core, batch: readonly Change[], mark: string): KvOp[] {
  const ops: KvOp[] = batch.flatMap((ch) => ch.ops);
  const added = new Map<string, string>();
  const dropped = new Map<string, string[]>();
  for (const ch of batch) {
    if (ch.adds !== undefined) added.set(ch.adds.hash, ch.adds.contentJson);
    if (ch.drops !== undefined) {
      dropped.set(ch.drops.hash, [...(dropped.get(ch.drops.hash) ?? []), ch.drops.name]);
    }
  }
  for (const [hash, json] of added) ops.push(putContentIfAbsent(core, hash, json));
  for (const [hash, names] of dropped) {
    if (!added.has(hash)) ops.push(dropContentIfUnused(core, hash, names));
  }
  ops.push(epochPut(core, mark));
  return ops;
}

/**
 * Writes one batch if the unit epoch is still `after` (or older). @returns the new epoch, or
 * undefined if the epoch moved (a write etcd applied but did not acknowledge is recognised by
 * its mark).
 */
async function writeBatch(
  core: Core,
  batch: readonly Change[],
  after: bigint,
  mark: string,
): Promise<bigint | undefined> {
  const res = await core.kv.txn({
    compare: [{ key: core.keys.unitEpoch(), target: 'mod', op: '<', value: after + 1n }],
    success: txnOps(core, batch, mark),
    failure: [],
  });
  if (res.succeeded) return res.revision;
  if (!res.retried) return undefined;
  const now = await readEpoch(core);
  return now.mark === mark ? now.epoch : undefined;
}

/**
 * See {@link Registry.applyUnits}. No-ops (same contents and state) are skipped, and so is a unit
 * to destroy that does not exist. The first transaction is guarded by `mod_revision(epoch) <=` the
 * epoch read with the records (itself `<= checkRevision`); a later batch by the epoch the one
 * before left, so a concurrent change between two stops the rest (ConflictError saying how many
 * were written). Without `checkRevision`, a concurrent change makes it read and try again.
 * @throws InvalidInputError, UnitTooLargeError, UnitExistsError (a unit to create exists),
 *   UnitNotFoundError (a unit to change does not), StaleRevisionError: nothing written
 */
export async function applyUnits(core: Core, req: UnitApply): Promise<UnitApplyResult> {
  const c = checkInput(core, req);
  const id = randomUUID();
  for (let attempt = 0; attempt < core.limits.maxCasAttempts; attempt++) {
    const { epoch, recs } = await snapshot(async () => {
      const e = await readEpoch(core);
      return { epoch: e.epoch, recs: await readRecords(core, c.names, e.revision) };
    });
    if (c.check !== undefined && epoch > c.check) {
      throw new StaleRevisionError(`${c.check}`, `${epoch}`);
    }
    const batches = batchesOf(core, changesOf(core, c, recs));
    if (batches.length === 0) return { revision: `${epoch}`, batches: 0 };
    let after = await writeBatch(core, batches[0] ?? [], epoch, `apply ${id} 0`);
    if (after === undefined) continue;
    for (let i = 1; i < batches.length; i++) {
      const next = await writeBatch(core, batches[i] ?? [], after, `apply ${id} ${i}`);
      if (next === undefined) {
        throw new ConflictError(
          `units changed while an apply was written in batches: ${i} of ${batches.length} ` +
            'were written; plan and apply again',
        );
      }
      after = next;
    }
    return { revision: `${after}`, batches: batches.length };
  }
  throw new ConflictError('units kept changing; the apply gave up');
}
