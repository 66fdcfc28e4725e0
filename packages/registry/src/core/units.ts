// Unit writes and reads. Every write is one transaction covering the unit record, its
// content reference and (when needed) the content itself, so nothing is ever half-written.
// Read-modify-writes compare the record's mod revision and retry on conflict, which also
// makes a write that etcd applied but did not acknowledge converge on the next read.
import { compareStrings, type DesiredState, type UnitOption } from '@fleet/unit';
import { encodeUnit } from '../codec.js';
import {
  ConflictError,
  CorruptRecordError,
  UnitExistsError,
  UnitNotFoundError,
} from '../errors.js';
import type { KvOp, KvRecord } from '../kv/kv.js';
import type { Listing, Unit, UnitHead, UnitInput } from '../types.js';
import { dropContentIfUnused, fetchContents, putContentIfAbsent } from './contents.js';
import type { Core } from './core.js';
import { epochPut } from './epoch.js';
import { rangeAll, snapshot } from './read.js';
import {
  decodeReason,
  decodeUnit,
  prepareUnit,
  toHead,
  type PreparedUnit,
} from './unit-records.js';
import { checkDesiredState, checkHash, checkStoredUnitName } from './validate.js';

async function readRecord(core: Core, name: string): Promise<KvRecord | undefined> {
  return (await core.kv.range({ key: core.keys.unit(name) })).kvs[0];
}

/** The head of a unit just written at `revision`, whose contents are now known by hash. */
function headOf(core: Core, p: PreparedUnit, revision: bigint): UnitHead {
  core.contents.set(p.hash, p.options);
  return { name: p.name, hash: p.hash, desiredState: p.desiredState, revision: `${revision}` };
}

/** See {@link Registry.createUnit}. */
export async function createUnit(core: Core, input: UnitInput): Promise<UnitHead> {
  const p = prepareUnit(core, input);
  const key = core.keys.unit(p.name);
  const res = await core.kv.txn({
    compare: [{ key, target: 'create', op: '==', value: 0n }],
    success: [
      { type: 'put', key, value: p.unitJson },
      { type: 'put', key: core.keys.ref(p.hash, p.name), value: '' },
      putContentIfAbsent(core, p.hash, p.contentJson),
      epochPut(core),
    ],
    failure: [{ type: 'range', key }],
  });
  if (res.succeeded) {
    return headOf(core, p, res.revision);
  }
  const found = res.results[0];
  const rec = found?.type === 'range' ? found.kvs[0] : undefined;
  const existing = rec === undefined ? undefined : decodeUnit(core, rec, p.name);
  const head =
    existing === undefined || rec === undefined ? undefined : toHead(existing, rec.modRevision);
  // A retried request may have created the unit itself: the identical record is ours.
  if (res.retried && head?.hash === p.hash && head.desiredState === p.desiredState) return head;
  throw new UnitExistsError(p.name, head);
}

/** See {@link Registry.replaceUnit}. */
export async function replaceUnit(core: Core, input: UnitInput): Promise<UnitHead> {
  const p = prepareUnit(core, input);
  const key = core.keys.unit(p.name);
  for (let attempt = 0; attempt < core.limits.maxCasAttempts; attempt++) {
    const rec = await readRecord(core, p.name);
    if (rec === undefined) throw new UnitNotFoundError(p.name);
    const old = decodeUnit(core, rec, p.name);
    if (old?.hash === p.hash && old.desiredState === p.desiredState) {
      return toHead(old, rec.modRevision);
    }
    const ops: KvOp[] = [{ type: 'put', key, value: p.unitJson }, epochPut(core)];
    if (old?.hash !== p.hash) {
      // A corrupt old record's reference cannot be found; overwriting it repairs the unit.
      if (old !== undefined) {
        ops.push({ type: 'delete', key: core.keys.ref(old.hash, p.name) });
        ops.push(dropContentIfUnused(core, old.hash, p.name));
      }
      ops.push({ type: 'put', key: core.keys.ref(p.hash, p.name), value: '' });
      ops.push(putContentIfAbsent(core, p.hash, p.contentJson));
    }
    const res = await core.kv.txn({
      compare: [{ key, target: 'mod', op: '==', value: rec.modRevision }],
      success: ops,
      failure: [],
    });
    if (res.succeeded) {
      return headOf(core, p, res.revision);
    }
  }
  throw new ConflictError(`unit ${p.name} kept changing; replace gave up`);
}

/** See {@link Registry.setDesiredState}. */
export async function setDesiredState(
  core: Core,
  nameIn: string,
  stateIn: DesiredState,
): Promise<UnitHead> {
  const name = checkStoredUnitName(nameIn);
  const state = checkDesiredState(stateIn);
  const key = core.keys.unit(name);
  for (let attempt = 0; attempt < core.limits.maxCasAttempts; attempt++) {
    const rec = await readRecord(core, name);
    if (rec === undefined) throw new UnitNotFoundError(name);
    const cur = decodeUnit(core, rec, name);
    if (cur === undefined) throw new CorruptRecordError(rec.key, 'cannot change its desired state');
    if (cur.desiredState === state) return toHead(cur, rec.modRevision);
    const res = await core.kv.txn({
      compare: [{ key, target: 'mod', op: '==', value: rec.modRevision }],
      success: [{ type: 'put', key, value: encodeUnit(name, cur.hash, state) }, epochPut(core)],
      failure: [],
    });
    if (res.succeeded) return toHead({ ...cur, desiredState: state }, res.revision);
  }
  throw new ConflictError(`unit ${name} kept changing; setting its desired state gave up`);
}

/** See {@link Registry.destroyUnit}. */
export async function destroyUnit(core: Core, nameIn: string): Promise<boolean> {
  const name = checkStoredUnitName(nameIn);
  const key = core.keys.unit(name);
  let maybeDone = false;
  for (let attempt = 0; attempt < core.limits.maxCasAttempts; attempt++) {
    const rec = await readRecord(core, name);
    if (rec === undefined) return maybeDone;
    const cur = decodeUnit(core, rec, name);
    const ops: KvOp[] = [
      { type: 'delete', key },
      { type: 'delete', key: core.keys.reason(name) },
      epochPut(core),
    ];
    if (cur !== undefined) {
      ops.push({ type: 'delete', key: core.keys.ref(cur.hash, name) });
      ops.push(dropContentIfUnused(core, cur.hash, name));
    }
    const res = await core.kv.txn({
      compare: [{ key, target: 'mod', op: '==', value: rec.modRevision }],
      success: ops,
      failure: [],
    });
    if (res.succeeded) return true;
    // If etcd applied a retried attempt, the next read finds the unit gone: it was ours.
    maybeDone ||= res.retried;
  }
  throw new ConflictError(`unit ${name} kept changing; destroy gave up`);
}

/** See {@link Registry.getUnit}. */
export async function getUnit(core: Core, nameIn: string): Promise<Unit | undefined> {
  const name = checkStoredUnitName(nameIn);
  return snapshot(async () => {
    const res = await core.kv.txn({
      compare: [],
      success: [
        { type: 'range', key: core.keys.unit(name) },
        { type: 'range', key: core.keys.reason(name) },
      ],
      failure: [],
    });
    const [u, r] = res.results;
    const rec = u?.type === 'range' ? u.kvs[0] : undefined;
    if (rec === undefined) return undefined;
    const head = decodeUnit(core, rec, name);
    if (head === undefined) return undefined;
    const reason = decodeReason(core, r?.type === 'range' ? r.kvs[0] : undefined);
    const options = (await fetchContents(core, [head.hash], res.revision)).get(head.hash);
    if (options === undefined) return core.corrupt(rec.key, `contents ${head.hash} are missing`);
    return { ...toHead(head, rec.modRevision, reason), options };
  });
}

/** See {@link Registry.listUnits}. */
export async function listUnits(core: Core): Promise<Listing<Unit>> {
  return snapshot(async () => {
    const units = await rangeAll(core, core.keys.units());
    const reasons = await rangeAll(core, core.keys.reasons(), units.revision);
    const reasonOf = new Map<string, string>();
    for (const rec of reasons.kvs) {
      const parsed = core.keys.parse(rec.key);
      const reason = decodeReason(core, rec);
      if (parsed?.kind === 'reason' && reason !== undefined) reasonOf.set(parsed.name, reason);
    }
    const heads: { head: UnitHead; key: string }[] = [];
    for (const rec of units.kvs) {
      const parsed = core.keys.parse(rec.key);
      if (parsed?.kind !== 'unit') {
        core.corrupt(rec.key, 'not a unit key');
        continue;
      }
      const u = decodeUnit(core, rec, parsed.name);
      if (u !== undefined) {
        heads.push({ head: toHead(u, rec.modRevision, reasonOf.get(u.name)), key: rec.key });
      }
    }
    const contents = await fetchContents(
      core,
      heads.map((h) => h.head.hash),
      units.revision,
    );
    const items: Unit[] = [];
    for (const { head, key } of heads) {
      const options = contents.get(head.hash);
      if (options === undefined) core.corrupt(key, `contents ${head.hash} are missing`);
      else items.push({ ...head, options });
    }
    items.sort((a, b) => compareStrings(a.name, b.name));
    return { items, revision: units.revision.toString() };
  });
}

/** See {@link Registry.getContents}. */
export async function getContents(
  core: Core,
  hashIn: string,
): Promise<readonly UnitOption[] | undefined> {
  const hash = checkHash(hashIn);
  return (await fetchContents(core, [hash], undefined, false)).get(hash);
}

/** See {@link Registry.getContentsMany}. */
export async function getContentsMany(
  core: Core,
  hashes: readonly string[],
): Promise<Map<string, readonly UnitOption[]>> {
  return fetchContents(core, hashes.map(checkHash), undefined, false);
}
