// MemoryKv: the Kv port in process. Leases expire and renew on the injected clock exactly as
// etcd's do (keepalive every TTL/3, expiry TTL after the last renewal), and watches replay
// history from a revision, so the registry above behaves the same on it as on etcd.
import type { Clock } from '@fleet/runtime';
import { ClosedError, CompactedError, LeaseExpiredError } from '../errors.js';
import type {
  Kv,
  KvEvent,
  KvLease,
  KvRangeRequest,
  KvRangeResult,
  KvTxn,
  KvTxnResult,
  KvWatch,
  KvWatchListener,
} from './kv.js';
import { KvFaults } from './memory-faults.js';
import { MemoryStore, type StoreLimits } from './memory-store.js';
import { MemoryWatchHub } from './memory-watch.js';

/** Options of {@link MemoryKv}. */
export interface MemoryKvOptions extends Partial<StoreLimits> {
  readonly clock: Clock;
  /** Revisions of history kept for watches before automatic compaction (default 10,000). */
  readonly historyRevisions?: number;
}

interface LeaseState {
  readonly id: bigint;
  readonly ttlMs: number;
  readonly keys: Set<string>;
  cancelExpiry: () => void;
  readonly handle: MemoryLease;
}

class MemoryLease implements KvLease {
  private readonly controller = new AbortController();
  private lastRenewal: number;
  private cancelKeepalive: () => void = () => {};
  private readonly renewed: (() => void)[] = [];
  private isGone = false;

  constructor(
    private readonly kv: MemoryKv,
    readonly id: bigint,
    readonly ttlSeconds: number,
    private readonly renewEveryMs = (ttlSeconds * 1000) / 3,
  ) {
    this.lastRenewal = kv.clock.monotonic();
    this.scheduleKeepalive();
  }

  get lost(): AbortSignal {
    return this.controller.signal;
  }

  private scheduleKeepalive(): void {
    this.scheduleKeepaliveIn(this.renewEveryMs);
  }

  private scheduleKeepaliveIn(ms: number): void {
    this.cancelKeepalive = this.kv.clock.setTimer(ms, () => {
      if (this.lost.aborted) return;
      // An unreachable store fails the renewal; it is tried again soon, as EtcdLease does.
      if (this.kv.faults.isUnavailable) {
        this.scheduleKeepaliveIn(Math.min(100, this.renewEveryMs));
        return;
      }
      this.lastRenewal = this.kv.clock.monotonic();
      this.kv.renew(this.id);
      for (const fn of this.renewed) fn();
      this.scheduleKeepalive();
    });
  }

  lastRenewedAt(): number {
    return this.lastRenewal;
  }
  gone(): boolean {
    return this.isGone;
  }
  onRenewed(fn: () => void): void {
    this.renewed.push(fn);
  }
  async revoke(): Promise<void> {
    this.kv.faults.enter('revokeLease');
    this.stopRenewing();
    this.kv.expire(this.id);
    this.markLost();
    await Promise.resolve();
  }
  stopRenewing(): void {
    this.cancelKeepalive();
    this.cancelKeepalive = () => {};
  }
  /** Called by the store when the lease is gone. */
  markLost(): void {
    this.stopRenewing();
    this.isGone = true;
    if (!this.controller.signal.aborted) this.controller.abort(new LeaseExpiredError(this.id));
  }
}

/** The Kv port over an in-memory MVCC store, with etcd's default limits. */
export class MemoryKv implements Kv {
  readonly clock: Clock;
  readonly endpoints: readonly string[] = ['memory'];
  /** Fault controls and call counts (see {@link KvFaults}). */
  readonly faults = new KvFaults(this.endpoints);
  private readonly store: MemoryStore;
  private readonly hub = new MemoryWatchHub();
  private readonly leases = new Map<bigint, LeaseState>();
  private readonly keyLease = new Map<string, bigint>();
  private nextLeaseId = 0x5eed_0000_0001n;
  private readonly historyRevisions: number;
  private closed = false;

  constructor(opts: MemoryKvOptions) {
    this.clock = opts.clock;
    this.store = new MemoryStore({
      maxTxnOps: opts.maxTxnOps ?? 128,
      maxRequestBytes: opts.maxRequestBytes ?? 1.5 * 1024 * 1024,
    });
    this.historyRevisions = opts.historyRevisions ?? 10_000;
  }

  private ensureOpen(): void {
    if (this.closed) throw new ClosedError('the in-memory store is closed');
  }

  private publish(events: readonly KvEvent[]): void {
    if (events.length === 0) return;
    for (const e of events) {
      const key = e.type === 'put' ? e.kv.key : e.key;
      const before = this.keyLease.get(key);
      const after = e.type === 'put' ? e.kv.lease : 0n;
      if (before !== undefined && before !== after) this.leases.get(before)?.keys.delete(key);
      if (after === 0n) this.keyLease.delete(key);
      else {
        this.keyLease.set(key, after);
        this.leases.get(after)?.keys.add(key);
      }
    }
    this.hub.publish(events);
    const floor = this.store.revision - BigInt(this.historyRevisions);
    if (floor > this.store.compactRevision + BigInt(this.historyRevisions)) this.compactNow(floor);
  }

  private compactNow(rev: bigint): void {
    this.store.compact(rev);
    this.hub.compact(rev);
  }

  async txn(txn: KvTxn): Promise<KvTxnResult> {
    this.ensureOpen();
    this.faults.enter('txn');
    const applied = this.store.apply(txn, (id) => this.leases.has(id));
    this.faults.readTxn(applied.results);
    this.publish(applied.events);
    await Promise.resolve();
    return {
      succeeded: applied.succeeded,
      revision: applied.revision,
      results: applied.results,
      retried: false,
    };
  }

  async range(req: KvRangeRequest): Promise<KvRangeResult> {
    this.ensureOpen();
    this.faults.enter('range');
    const { kvs, more } = this.store.range(req.key, req.rangeEnd, req.revision, req.limit);
    this.faults.readRange(req, kvs.length);
    // The revision of the data read, taken before yielding: a write landing in between must not
    // make a listing claim a revision whose changes it does not hold (a watch from it would miss them).
    const revision =
      req.revision === undefined || req.revision === 0n ? this.store.revision : req.revision;
    await Promise.resolve();
    return { kvs, more, revision };
  }

  async grantLease(ttlSeconds: number, renewEveryMs?: number): Promise<KvLease> {
    this.ensureOpen();
    this.faults.enter('grantLease');
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
      throw new RangeError(`a lease TTL must be a whole number of seconds >= 1, got ${ttlSeconds}`);
    }
    const id = this.nextLeaseId++;
    const handle = new MemoryLease(this, id, ttlSeconds, renewEveryMs);
    const state: LeaseState = {
      id,
      ttlMs: ttlSeconds * 1000,
      keys: new Set(),
      cancelExpiry: () => {},
      handle,
    };
    this.leases.set(id, state);
    this.armExpiry(state);
    await Promise.resolve();
    return handle;
  }

  async revokeLease(id: bigint): Promise<void> {
    this.ensureOpen();
    this.faults.enter('revokeLease');
    this.expire(id);
    await Promise.resolve();
  }

  private armExpiry(state: LeaseState): void {
    state.cancelExpiry();
    state.cancelExpiry = this.clock.setTimer(state.ttlMs, () => this.expire(state.id));
  }

  /** Keepalive received for lease `id`. */
  renew(id: bigint): void {
    const state = this.leases.get(id);
    if (state !== undefined && !this.closed) this.armExpiry(state);
  }

  /** Lease `id` expired or was revoked: its keys go in one revision. */
  expire(id: bigint): void {
    const state = this.leases.get(id);
    if (state === undefined) return;
    state.cancelExpiry();
    this.leases.delete(id);
    this.publish(this.store.deleteKeys([...state.keys].sort()));
    state.handle.markLost();
  }

  watch(key: string, rangeEnd: string, afterRevision: bigint, listener: KvWatchListener): KvWatch {
    this.ensureOpen();
    this.faults.enter('watch');
    const from = afterRevision + 1n;
    if (from < this.store.compactRevision) {
      return this.hub.resync(listener, new CompactedError(afterRevision).message);
    }
    return this.hub.watch(key, rangeEnd, from, listener);
  }

  async compact(revision: bigint): Promise<void> {
    this.ensureOpen();
    this.faults.enter('compact');
    this.compactNow(revision);
    await Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const state of this.leases.values()) {
      state.cancelExpiry();
      state.handle.stopRenewing();
    }
    await this.hub.close();
  }
}
