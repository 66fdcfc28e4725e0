// Content pins of rollout records: while a current or finished rollout names a hash, a pin ref
// `ref/<hash>/rollout=<group>=<id>` keeps `content/<hash>` from being garbage-collected (unit
// replaces and destroys only drop contents with no other ref). Pins are written and removed in
// the same transaction as their record; removing the last ref of a hash drops its contents.
import { unitHash } from '@fleet/unit';
import { contentSchema, encodeContent } from '../codec.js';
import type { KeyRange } from '../keys.js';
import type { KvCompare, KvOp } from '../kv/kv.js';
import type { RolloutInput } from '../rollout-types.js';
import type { Core } from './core.js';
import { putContentIfAbsent } from './contents.js';
import { pinnedHashes } from './rollout-codec.js';

/** Units whose previous record revisions are searched for lost contents. */
const RECOVER_UNITS = 8;

type Pinned = Pick<RolloutInput, 'group' | 'id' | 'fromHash' | 'toHash'>;

/** The pin keys of records, by hash. */
export function pinsOf(core: Core, records: readonly Pinned[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of records) {
    for (const h of pinnedHashes(r)) {
      const keys = out.get(h) ?? new Set<string>();
      keys.add(core.keys.rolloutPin(h, r.group, r.id));
      out.set(h, keys);
    }
  }
  return out;
}

/** The parts of `range` outside `own` (sorted keys inside it). */
function gaps(range: KeyRange, own: readonly string[]): KeyRange[] {
  const out: KeyRange[] = [];
  let start = range.start;
  for (const key of own) {
    out.push({ start, end: key });
    start = `${key}\u0000`;
  }
  out.push({ start, end: range.end });
  return out;
}

/**
 * A nested transaction that deletes the contents of `hash` if no ref but `own` exists. Its
 * compares see the state before the enclosing transaction, which removes `own`.
 */
export function dropContentIfOnly(core: Core, hash: string, own: Iterable<string>): KvOp {
  const all = core.keys.ref(hash, '');
  const range = { start: all, end: `${all.slice(0, -1)}0` };
  const compare = gaps(range, [...own].sort()).map((g): KvCompare => ({
    key: g.start,
    rangeEnd: g.end,
    target: 'create',
    op: '==',
    value: 0n,
  }));
  return {
    type: 'txn',
    txn: { compare, success: [{ type: 'delete', key: core.keys.content(hash) }], failure: [] },
  };
}

/**
 * The ops that move pins from the records `before` to the records `after` (of one transaction):
 * new pins written, old ones removed, and the contents of hashes no longer pinned by `after` (and
 * used by nothing else) dropped.
 */
export function pinOps(core: Core, before: readonly Pinned[], after: readonly Pinned[]): KvOp[] {
  const was = pinsOf(core, before);
  const will = pinsOf(core, after);
  const ops: KvOp[] = [];
  for (const [h, keys] of will) {
    for (const key of keys) if (!was.get(h)?.has(key)) ops.push({ type: 'put', key, value: '' });
  }
  for (const [h, keys] of was) {
    const gone = [...keys].filter((k) => !will.get(h)?.has(k));
    for (const key of gone) ops.push({ type: 'delete', key });
    if (gone.length > 0 && !will.has(h)) ops.push(dropContentIfOnly(core, h, gone));
  }
  return ops;
}

/**
 * Ops that make sure the contents of `hashes` (newly pinned) exist when the pins are written. A
 * rollout starts after its units were replaced, and the replace may have collected the old
 * version's contents: they are put back from this registry's cache, or from the store as it was
 * just before one of `units` was last written. Contents present now are written again if absent
 * at commit, so a concurrent collection between this read and the commit loses nothing.
 */
export async function restoreContentOps(
  core: Core,
  hashes: readonly string[],
  units: readonly string[],
): Promise<KvOp[]> {
  const ops: KvOp[] = [];
  for (const h of hashes) {
    const now = (await core.kv.range({ key: core.keys.content(h) })).kvs[0];
    const cached = core.contents.get(h);
    const json =
      now?.value ??
      (cached === undefined ? await findOlder(core, h, units) : encodeContent(cached));
    if (json !== undefined) ops.push(putContentIfAbsent(core, h, json));
  }
  return ops;
}

async function findOlder(
  core: Core,
  h: string,
  units: readonly string[],
): Promise<string | undefined> {
  for (const name of units.slice(0, RECOVER_UNITS)) {
    try {
      const rec = (await core.kv.range({ key: core.keys.unit(name) })).kvs[0];
      if (rec === undefined || rec.modRevision <= 1n) continue;
      const old = await core.kv.range({
        key: core.keys.content(h),
        revision: rec.modRevision - 1n,
      });
      const found = old.kvs[0];
      const c = found === undefined ? undefined : core.decode(contentSchema, found);
      if (c !== undefined && unitHash(c.options) === h) return encodeContent(c.options);
    } catch {
      // Compacted history: that revision is gone; try the next unit.
    }
  }
  return undefined;
}
