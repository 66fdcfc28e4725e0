// A view of a Kv whose reads (ranges, read-only transactions) may fall back to a member's own copy after a transient failure
// (KvRangeRequest.staleOk): for the API's reads only. It shares the Kv's connection; closing the
// view closes nothing.
import type { Kv, KvRangeRequest, KvRangeResult } from './kv.js';

/** `kv` with `staleOk` set on every read, and a `close` that leaves `kv` open. */
export function staleReadsOf(kv: Kv): Kv {
  return {
    clock: kv.clock,
    endpoints: kv.endpoints,
    txn: (txn) => kv.txn({ ...txn, staleOk: true }),
    range: (req: KvRangeRequest): Promise<KvRangeResult> => kv.range({ ...req, staleOk: true }),
    grantLease: (ttl, renewEveryMs) => kv.grantLease(ttl, renewEveryMs),
    revokeLease: (id) => kv.revokeLease(id),
    watch: (key, rangeEnd, after, listener) => kv.watch(key, rangeEnd, after, listener),
    compact: (revision) => kv.compact(revision),
    close: async () => {},
  };
}
