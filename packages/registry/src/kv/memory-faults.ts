// Fault controls and call counts of the in-memory store, as FakeSystemd has them: tests make the
// store unreachable or fail one call with a chosen error, and count what a code path reads,
// instead of wrapping the registry in hand-made proxies.
import { UnavailableError } from '../errors.js';
import type { KvOpResult, KvRangeRequest } from './kv.js';

/** The Kv port's calls, by name. */
export type KvCallName = 'txn' | 'range' | 'grantLease' | 'revokeLease' | 'watch' | 'compact';

/** The calls {@link KvFaults.failNext} and {@link KvFaults.setUnavailable} can fail. */
export type FailableKvCall = Exclude<KvCallName, 'watch'>;

/** What the store was asked since the handle was created (or {@link KvFaults.resetCalls}). */
export interface KvCalls {
  /** Calls of each Kv method. */
  readonly counts: Readonly<Record<KvCallName, number>>;
  /** Keys returned by range reads, including the range ops inside transactions. */
  readonly keysRead: number;
  /**
   * Range reads by the key they start at (a listing's first page starts at its prefix, a point
   * read at its key): how often a path read one collection, or one record.
   */
  readonly rangesAt: ReadonlyMap<string, number>;
}

const zeroCounts = (): Record<KvCallName, number> => ({
  txn: 0,
  range: 0,
  grantLease: 0,
  revokeLease: 0,
  watch: 0,
  compact: 0,
});

/**
 * The fault handle of a MemoryKv (and so of an InMemoryRegistry). While unavailable, every
 * failable call rejects with the registry's retryable UnavailableError naming `memory`, and
 * changes nothing. The store itself keeps running: leases already granted keep renewing and
 * running watches keep delivering (a client cut off from etcd loses both: the simulation's
 * FaultyKv models that).
 */
export class KvFaults {
  private unavailable = false;
  private readonly failures = new Map<FailableKvCall, Error[]>();
  private counts = zeroCounts();
  private keys = 0;
  private ranges = new Map<string, number>();

  constructor(private readonly endpoints: readonly string[]) {}

  /** Makes every failable call reject with UnavailableError (`true`) or work again (`false`). */
  setUnavailable(unavailable: boolean): void {
    this.unavailable = unavailable;
  }

  /** Whether calls fail as if etcd were unreachable (lease renewals fail too). */
  get isUnavailable(): boolean {
    return this.unavailable;
  }

  /** The next call of `op` rejects with `err` (queued: two calls fail two calls). */
  failNext(op: FailableKvCall, err: Error): void {
    const queue = this.failures.get(op) ?? [];
    queue.push(err);
    this.failures.set(op, queue);
  }

  /** Counts since creation or the last {@link resetCalls}. */
  get calls(): KvCalls {
    return { counts: { ...this.counts }, keysRead: this.keys, rangesAt: new Map(this.ranges) };
  }

  /** Starts counting afresh. */
  resetCalls(): void {
    this.counts = zeroCounts();
    this.keys = 0;
    this.ranges = new Map();
  }

  /** Counts a call and throws the fault it meets, if any (before the call changes anything). */
  enter(op: KvCallName): void {
    this.counts[op]++;
    if (op === 'watch') return;
    const queued = this.failures.get(op)?.shift();
    if (queued !== undefined) throw queued;
    if (this.unavailable) throw new UnavailableError(this.endpoints);
  }

  /** Counts what a range read returned. */
  readRange(req: KvRangeRequest, keys: number): void {
    this.keys += keys;
    this.ranges.set(req.key, (this.ranges.get(req.key) ?? 0) + 1);
  }

  /** Counts the keys the range ops of a transaction returned. */
  readTxn(results: readonly KvOpResult[]): void {
    for (const r of results) {
      if (r.type === 'range') this.keys += r.kvs.length;
      else if (r.type === 'txn') this.readTxn(r.results);
    }
  }
}
