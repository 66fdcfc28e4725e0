// The multi-version key space behind MemoryKv: etcd's revision rules (one revision per
// writing transaction, create/mod revision and version per key), reads at a past revision,
// compaction, and transactions with nested transactions and range compares.
import { CompactedError, LeaseExpiredError, StoreRejectedError } from '../errors.js';
import type { KvCompare, KvEvent, KvOp, KvOpResult, KvRecord, KvTxn } from './kv.js';

interface Version {
  readonly rev: bigint;
  /** `undefined` marks a deletion. */
  readonly record: KvRecord | undefined;
}

/** Limits etcd enforces on requests (its defaults: 128 ops, 1.5 MiB). */
export interface StoreLimits {
  readonly maxTxnOps: number;
  readonly maxRequestBytes: number;
}

/** What one transaction changed, for lease bookkeeping and watchers. */
export interface Applied {
  readonly succeeded: boolean;
  readonly revision: bigint;
  readonly results: readonly KvOpResult[];
  readonly events: readonly KvEvent[];
}

function inRange(key: string, start: string, end: string | undefined): boolean {
  return end === undefined ? key === start : key >= start && key < end;
}

function compareValues<T extends bigint | string>(a: T, op: KvCompare['op'], b: T): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '>':
      return a > b;
  }
}

/** An MVCC map of string keys, ordered by key. Not thread-safe; callers serialise. */
export class MemoryStore {
  private readonly history = new Map<string, Version[]>();
  private readonly sorted: string[] = [];
  private rev = 1n;
  private compactedRev = 0n;

  constructor(private readonly limits: StoreLimits) {}

  get revision(): bigint {
    return this.rev;
  }
  get compactRevision(): bigint {
    return this.compactedRev;
  }

  /** The live record of `key`, or `undefined`. */
  get(key: string): KvRecord | undefined {
    return this.history.get(key)?.at(-1)?.record;
  }

  private getAt(key: string, rev: bigint): KvRecord | undefined {
    const versions = this.history.get(key);
    if (versions === undefined) return undefined;
    for (let i = versions.length - 1; i >= 0; i--) {
      const v = versions[i];
      if (v !== undefined && v.rev <= rev) return v.record;
    }
    return undefined;
  }

  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.sorted[mid] ?? '') < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Live records in `[start, end)` (or just `start`), in key order, at `rev` (default: now). */
  range(
    start: string,
    end: string | undefined,
    rev?: bigint,
    limit?: number,
  ): { kvs: KvRecord[]; more: boolean } {
    const at = rev === undefined || rev === 0n ? this.rev : rev;
    if (at < this.compactedRev) throw new CompactedError(at);
    if (at > this.rev) throw new StoreRejectedError(`revision ${at} is a future revision`);
    const kvs: KvRecord[] = [];
    let more = false;
    for (let i = this.lowerBound(start); i < this.sorted.length; i++) {
      const key = this.sorted[i] ?? '';
      if (!inRange(key, start, end)) break;
      const rec = at === this.rev ? this.get(key) : this.getAt(key, at);
      if (rec === undefined) continue;
      if (limit !== undefined && limit > 0 && kvs.length >= limit) {
        more = true;
        break;
      }
      kvs.push(rec);
    }
    return { kvs, more };
  }

  private evalCompare(c: KvCompare): boolean {
    const recs = c.rangeEnd === undefined ? [this.get(c.key)] : this.range(c.key, c.rangeEnd).kvs;
    if (recs.length === 0) recs.push(undefined);
    return recs.every((rec) => {
      if (c.target === 'value') return rec !== undefined && compareValues(rec.value, c.op, c.value);
      const field =
        c.target === 'create'
          ? rec?.createRevision
          : c.target === 'mod'
            ? rec?.modRevision
            : c.target === 'version'
              ? rec?.version
              : rec?.lease;
      return compareValues(field ?? 0n, c.op, c.value);
    });
  }

  /** Checks a request the way etcd does before applying anything. */
  private check(txn: KvTxn, leaseExists: (id: bigint) => boolean): void {
    let bytes = 0;
    const dup = () => new StoreRejectedError('etcdserver: duplicate key given in txn request');
    type Writes = { puts: Set<string>; dels: { key: string; end: string | undefined }[] };
    const addPut = (w: Writes, key: string): void => {
      if (w.puts.has(key) || w.dels.some((d) => inRange(key, d.key, d.end))) throw dup();
      w.puts.add(key);
    };
    const addDel = (w: Writes, key: string, end: string | undefined): void => {
      for (const p of w.puts) if (inRange(p, key, end)) throw dup();
      w.dels.push({ key, end });
    };
    const branch = (ops: readonly KvOp[]): Writes => {
      const w: Writes = { puts: new Set(), dels: [] };
      for (const op of ops) {
        if (op.type === 'put') {
          bytes += op.key.length + Buffer.byteLength(op.value) + 16;
          if (op.lease !== undefined && op.lease !== 0n && !leaseExists(op.lease)) {
            throw new LeaseExpiredError(op.lease);
          }
          addPut(w, op.key);
        } else if (op.type === 'delete') {
          bytes += op.key.length + (op.rangeEnd?.length ?? 0) + 8;
          addDel(w, op.key, op.rangeEnd);
        } else if (op.type === 'range') {
          bytes += op.key.length + (op.rangeEnd?.length ?? 0) + 8;
        } else {
          // A nested transaction's two branches may write the same key (only one runs), but
          // neither may clash with the writes around it.
          const before: Writes = { puts: new Set(w.puts), dels: [...w.dels] };
          for (const inner of txnWrites(op.txn)) {
            const probe: Writes = { puts: new Set(before.puts), dels: [...before.dels] };
            for (const d of inner.dels) addDel(probe, d.key, d.end);
            for (const p of inner.puts) addPut(probe, p);
            for (const p of inner.puts) w.puts.add(p);
            w.dels.push(...inner.dels);
          }
        }
      }
      return w;
    };
    const txnWrites = (t: KvTxn): [Writes, Writes] => {
      const { maxTxnOps } = this.limits;
      if (
        t.compare.length > maxTxnOps ||
        t.success.length > maxTxnOps ||
        t.failure.length > maxTxnOps
      ) {
        throw new StoreRejectedError('etcdserver: too many operations in txn request');
      }
      for (const c of t.compare) bytes += c.key.length + (c.rangeEnd?.length ?? 0) + 24;
      return [branch(t.success), branch(t.failure)];
    };
    txnWrites(txn);
    if (bytes > this.limits.maxRequestBytes) {
      throw new StoreRejectedError('etcdserver: request is too large');
    }
  }

  /**
   * Runs a transaction atomically. Compares (nested ones too) see the state before the
   * transaction; ops run in order. The revision moves only if something changed.
   */
  apply(txn: KvTxn, leaseExists: (id: bigint) => boolean): Applied {
    this.check(txn, leaseExists);
    type Plan = { succeeded: boolean; ops: readonly KvOp[]; nested: Map<KvTxn, Plan> };
    const plan = (t: KvTxn): Plan => {
      const succeeded = t.compare.every((c) => this.evalCompare(c));
      const ops = succeeded ? t.success : t.failure;
      const nested = new Map<KvTxn, Plan>();
      for (const op of ops) if (op.type === 'txn') nested.set(op.txn, plan(op.txn));
      return { succeeded, ops, nested };
    };
    const root = plan(txn);
    const next = this.rev + 1n;
    const events: KvEvent[] = [];
    const run = (p: Plan): KvOpResult[] =>
      p.ops.map((op): KvOpResult => {
        switch (op.type) {
          case 'put': {
            const prev = this.get(op.key);
            const record: KvRecord = {
              key: op.key,
              value: op.value,
              createRevision: prev?.createRevision ?? next,
              modRevision: next,
              version: (prev?.version ?? 0n) + 1n,
              lease: op.lease ?? 0n,
            };
            this.write(op.key, next, record);
            events.push({ type: 'put', kv: record });
            return { type: 'put' };
          }
          case 'delete': {
            const doomed = this.range(op.key, op.rangeEnd).kvs;
            for (const rec of doomed) {
              this.write(rec.key, next, undefined);
              events.push({ type: 'delete', key: rec.key, modRevision: next });
            }
            return { type: 'delete', deleted: doomed.length };
          }
          case 'range':
            return { type: 'range', kvs: this.range(op.key, op.rangeEnd).kvs };
          case 'txn': {
            const sub = p.nested.get(op.txn);
            if (sub === undefined) throw new Error('unplanned nested transaction');
            return { type: 'txn', succeeded: sub.succeeded, results: run(sub) };
          }
        }
      });
    const results = run(root);
    if (events.length > 0) this.rev = next;
    return { succeeded: root.succeeded, revision: this.rev, results, events };
  }

  /** Deletes keys in one revision (lease expiry). Returns the delete events. */
  deleteKeys(keys: Iterable<string>): KvEvent[] {
    const next = this.rev + 1n;
    const events: KvEvent[] = [];
    for (const key of keys) {
      if (this.get(key) === undefined) continue;
      this.write(key, next, undefined);
      events.push({ type: 'delete', key, modRevision: next });
    }
    if (events.length > 0) this.rev = next;
    return events;
  }

  private write(key: string, rev: bigint, record: KvRecord | undefined): void {
    let versions = this.history.get(key);
    if (versions === undefined) {
      if (record === undefined) return;
      versions = [];
      this.history.set(key, versions);
      this.sorted.splice(this.lowerBound(key), 0, key);
    }
    const last = versions.at(-1);
    if (last !== undefined && last.rev === rev) versions[versions.length - 1] = { rev, record };
    else versions.push({ rev, record });
  }

  /** Drops versions older than `rev`, keeping each key's state as of `rev`. */
  compact(rev: bigint): void {
    if (rev <= this.compactedRev) return;
    if (rev > this.rev) throw new StoreRejectedError(`revision ${rev} is a future revision`);
    this.compactedRev = rev;
    for (const [key, versions] of this.history) {
      let keepFrom = 0;
      for (let i = 0; i < versions.length; i++) if ((versions[i]?.rev ?? 0n) <= rev) keepFrom = i;
      const kept = versions.slice(keepFrom);
      if (kept[0]?.record === undefined && (kept[0]?.rev ?? 0n) <= rev) kept.shift();
      if (kept.length === 0) {
        this.history.delete(key);
        this.sorted.splice(this.lowerBound(key), 1);
      } else {
        this.history.set(key, kept);
      }
    }
  }
}
