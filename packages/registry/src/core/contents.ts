// The content store: unit options stored once per hash under `content/<hash>`, referenced by
// `ref/<hash>/<name>` keys, created and garbage-collected inside the transactions that add
// or drop the last reference.
import { unitHash, type UnitOption } from '@fleet/unit';
import { contentSchema } from '../codec.js';
import type { KvOp, KvRecord } from '../kv/kv.js';
import type { Core } from './core.js';

const FETCH_BATCH = 32;

/** A nested transaction that writes the contents only if no copy exists yet. */
export function putContentIfAbsent(core: Core, hash: string, contentJson: string): KvOp {
  const key = core.keys.content(hash);
  return {
    type: 'txn',
    txn: {
      compare: [{ key, target: 'version', op: '==', value: 0n }],
      success: [{ type: 'put', key, value: contentJson }],
      failure: [],
    },
  };
}

/**
 * A nested transaction that deletes the contents if `names` hold the only references (one name
 * for a single unit's write, several for an apply). Its compares see the state before the
 * enclosing transaction, hence "no ref but theirs".
 */
export function dropContentIfUnused(
  core: Core,
  hash: string,
  names: string | readonly string[],
): KvOp {
  const others = core.keys.refsExcept(hash, typeof names === 'string' ? [names] : names);
  return {
    type: 'txn',
    txn: {
      compare: others.map((r) => ({
        key: r.start,
        rangeEnd: r.end,
        target: 'create' as const,
        op: '==' as const,
        value: 0n,
      })),
      success: [{ type: 'delete', key: core.keys.content(hash) }],
      failure: [],
    },
  };
}

/** Decodes `content/<hash>` and checks that it hashes to `hash`. */
export function decodeContent(
  core: Core,
  rec: KvRecord,
  hash: string,
): readonly UnitOption[] | undefined {
  const c = core.decode(contentSchema, rec);
  if (c === undefined) return undefined;
  if (unitHash(c.options) !== hash)
    return core.corrupt(rec.key, 'contents do not match their hash');
  return c.options;
}

/**
 * Contents for `hashes`, from the cache or the store (latest, then at `revision` for any
 * collected since). Hashes that cannot be found are absent. With `useCache` false the cache is
 * neither read nor filled: those callers (agents, the API) read each content once or must see
 * whether it still exists, and would only push the engine's working set out.
 */
export async function fetchContents(
  core: Core,
  hashes: Iterable<string>,
  revision?: bigint,
  useCache = true,
): Promise<Map<string, readonly UnitOption[]>> {
  const out = new Map<string, readonly UnitOption[]>();
  const missing: string[] = [];
  for (const h of new Set(hashes)) {
    const cached = useCache ? core.contents.get(h) : undefined;
    if (cached === undefined) missing.push(h);
    else out.set(h, cached);
  }
  const keep = (h: string, rec: KvRecord | undefined): void => {
    if (rec === undefined) return;
    const options = decodeContent(core, rec, h);
    if (options === undefined) return;
    if (useCache) core.contents.set(h, options);
    out.set(h, options);
  };
  for (let i = 0; i < missing.length; i += FETCH_BATCH) {
    const chunk = missing.slice(i, i + FETCH_BATCH);
    const res = await core.kv.txn({
      compare: [],
      success: chunk.map((h): KvOp => ({ type: 'range', key: core.keys.content(h) })),
      failure: [],
    });
    chunk.forEach((h, j) => {
      const r = res.results[j];
      keep(h, r?.type === 'range' ? r.kvs[0] : undefined);
    });
  }
  if (revision !== undefined) {
    for (const h of missing) {
      if (out.has(h)) continue;
      const res = await core.kv.range({ key: core.keys.content(h), revision });
      keep(h, res.kvs[0]);
    }
  }
  return out;
}
