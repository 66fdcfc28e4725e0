// Consistent snapshot reads: a prefix read page by page at one revision, retried from the
// start if compaction overtakes it.
import { CompactedError } from '../errors.js';
import type { KeyRange } from '../keys.js';
import type { KvRecord } from '../kv/kv.js';
import type { Core } from './core.js';

/** Every key in `range`, in key order, read at `revision` (or the latest, which is returned). */
export async function rangeAll(
  core: Core,
  range: KeyRange,
  revision?: bigint,
): Promise<{ kvs: KvRecord[]; revision: bigint }> {
  const kvs: KvRecord[] = [];
  let start = range.start;
  let rev = revision;
  for (;;) {
    const page = await core.kv.range({
      key: start,
      rangeEnd: range.end,
      limit: core.limits.pageSize,
      ...(rev === undefined ? {} : { revision: rev }),
    });
    rev ??= page.revision;
    kvs.push(...page.kvs);
    const last = page.kvs.at(-1);
    if (!page.more || last === undefined) break;
    start = `${last.key}\u0000`;
  }
  return { kvs, revision: rev };
}

/** Runs a multi-request snapshot read, starting over (up to 3 times) if it hits compaction. */
export async function snapshot<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (!(err instanceof CompactedError) || attempt >= 3) throw err;
    }
  }
}
