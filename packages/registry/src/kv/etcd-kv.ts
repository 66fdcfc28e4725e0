// EtcdKv: the Kv port on etcd v3 (etcd3 1.1.2). Unary calls retry transient errors (backoff,
// within a budget), so a retried write is known to be ambiguous; errors are RegistryErrors.
import { EtcdLeaseInvalidError, type Etcd3 } from 'etcd3';
import { backoff, sleep, systemClock, type BackoffPolicy, type Clock } from '@fleet/runtime';
import { ClosedError, type RegistryError } from '../errors.js';
import { createEtcdClient, type EtcdConnectionOptions } from './etcd-client.js';
import { fromKeyValue, fromTxnResponses, toSerializableTxn, toTxnRequest } from './etcd-codec.js';
import { isTransient, mapEtcdError, type ErrorContext } from './etcd-errors.js';
import { KeepAliveStream } from './etcd-keepalive.js';
import { EtcdLease, type LeaseRpc } from './etcd-lease.js';
import { holdUntilClosed, holdWhileLive } from '../tracked.js';
import { watchEtcd } from './etcd-watch.js';
import { timedRequest, type KvRequestObserver, type KvRequestOp } from './etcd-requests.js';
import { WatchStreamMonitor, type WatchStreamStats } from './etcd-watch-stream.js';
import type {
  Kv,
  KvLease,
  KvOp,
  KvRangeRequest,
  KvRangeResult,
  KvTxn,
  KvTxnResult,
  KvWatch,
  KvWatchListener,
} from './kv.js';

/** Options of {@link EtcdKv}. */
export interface EtcdKvOptions extends EtcdConnectionOptions {
  /**
   * Attempts per call on transient errors (default 8: 4.5 s of quick refusals, within
   * {@link retryBudgetMs}). 6 ran out in 2.5 s against an etcd electing its leader, which
   * refuses at once; a fleetd with the wrong etcd certificates says so after the last attempt
   * (about 5 s; 15 s with 10 attempts, whose last ones wait on etcd3's circuit breaker).
   */
  readonly maxAttempts?: number;
  /** No new attempt starts after this long (default 10,000 ms). */
  readonly retryBudgetMs?: number;
  readonly clock?: Clock;
  /** Uniform in [0, 1): jitters the retries of calls, keepalives and watches (default Math.random). */
  readonly random?: () => number;
  /** Silence on the watch stream after which it is probed (default 60,000 ms). */
  readonly watchIdleMs?: number;
  /** How long a probe of the watch stream may go unanswered (default 10,000 ms). */
  readonly watchProbeTimeoutMs?: number;
  /** Told each request to etcd (fleetd's registry metrics); must not throw. */
  readonly onRequest?: KvRequestObserver;
}

function leaseOf(ops: readonly KvOp[]): bigint | undefined {
  for (const op of ops) {
    if (op.type === 'put' && op.lease !== undefined) return op.lease;
    if (op.type === 'txn') {
      const inner = leaseOf(op.txn.success) ?? leaseOf(op.txn.failure);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

/**
 * Makes etcd3 log in again at its next call. It does so by itself when a unary call is refused with
 * "invalid auth token", but a stream takes the token etcd3 holds when it opens: a watch stream
 * re-created after its token expired would carry the same dead token unless a unary call (the
 * watch's recovery read, usually) came first. This makes it certain. etcd3 1.1.2 (pinned exactly,
 * unmaintained) keeps the token in `pool.authenticator`; a missing field makes this a no-op.
 */
function forgetAuthToken(client: Etcd3): void {
  const pool = (client as unknown as { pool?: { authenticator?: { invalidateMetadata?(): void } } })
    .pool;
  pool?.authenticator?.invalidateMetadata?.();
}

/** Transient failures of a call are retried after 100 ms, doubling up to 1 s, each ±20 %. */
const CALL_RETRY: BackoffPolicy = { initialMs: 100, maxMs: 1_000, jitter: 0.2 };

/** The pause before a read any member may answer tries again after finding a member down. */
const QUICK_RETRY_MS = 20;

/** Whether the attempt failed because its member refused the connection (it is down). */
function isMemberDown(err: unknown): boolean {
  return err instanceof Error && /ECONNREFUSED/.test(err.message);
}

/** The Kv port on etcd v3. */
export class EtcdKv implements Kv {
  readonly clock: Clock;
  readonly endpoints: readonly string[];
  private readonly client: Etcd3;
  private readonly streams: WatchStreamMonitor;
  private readonly maxAttempts: number;
  private readonly retryBudgetMs: number;
  private readonly requestTimeoutMs: number;
  private readonly random: () => number;
  private readonly onRequest: KvRequestObserver | undefined;
  private readonly leaseRpc: LeaseRpc = {
    keepAlive: (id) => this.keepAliveOnce(id),
    revoke: (id) => this.revokeLease(id),
    release: (id) => this.releaseKeepAlives(id),
  };
  /** Each lease's keepalive stream, by lease ID. */
  private readonly keepAlives = new Map<bigint, KeepAliveStream>();
  private keepAliveStreams = 0;
  private readonly leases = new Set<EtcdLease>();
  private readonly watches = new Set<KvWatch>();
  private closed = false;

  constructor(opts: EtcdKvOptions) {
    this.endpoints = [...opts.endpoints];
    this.clock = opts.clock ?? systemClock;
    this.streams = new WatchStreamMonitor({
      clock: this.clock,
      ...(opts.watchIdleMs === undefined ? {} : { idleMs: opts.watchIdleMs }),
      ...(opts.watchProbeTimeoutMs === undefined
        ? {}
        : { probeTimeoutMs: opts.watchProbeTimeoutMs }),
      onTokenRejected: () => forgetAuthToken(this.client),
    });
    this.client = createEtcdClient(opts, this.streams.interceptor);
    this.maxAttempts = opts.maxAttempts ?? 8;
    this.retryBudgetMs = opts.retryBudgetMs ?? 10_000;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 5_000;
    this.random = opts.random ?? Math.random;
    this.onRequest = opts.onRequest;
  }

  private timed<T>(op: KvRequestOp, fn: () => Promise<T>, ctx: Omit<ErrorContext, 'endpoints'>) {
    const map = (err: unknown) => mapEtcdError(err, { ...ctx, endpoints: this.endpoints });
    return timedRequest(this.onRequest, op, fn, map);
  }

  /** Runs `fn`, retrying transient failures. `retried` tells whether an attempt failed. */
  private async call<T>(
    op: KvRequestOp,
    fn: (attempt: number) => Promise<T>,
    ctx: Omit<ErrorContext, 'endpoints'> = {},
    { anyMember = false }: { anyMember?: boolean } = {},
  ): Promise<{ value: T; retried: boolean }> {
    if (this.closed) throw new ClosedError('the registry is closed');
    // Real time, as the sleeps between attempts are (the injected clock may be a manual one).
    const started = performance.now();
    let retried = false;
    // etcd3 sends each attempt to one member picked at random. A read any member may answer
    // (`anyMember`) that found a member down tries again at once, so that the members still up
    // are reached within the budget; a few times per endpoint, not counted as attempts.
    let quickRetries = 3 * this.endpoints.length;
    for (let attempt = 1; ; attempt++) {
      try {
        return { value: await this.timed(op, () => fn(attempt), ctx), retried };
      } catch (err) {
        const out: RegistryError = mapEtcdError(err, { ...ctx, endpoints: this.endpoints });
        const budgetLeft = performance.now() - started < this.retryBudgetMs;
        if (!isTransient(err) || attempt >= this.maxAttempts || !budgetLeft || this.closed) {
          throw out;
        }
        retried = true;
        if (anyMember && attempt > 1 && quickRetries > 0 && isMemberDown(err)) {
          quickRetries--;
          attempt--;
          await sleep(systemClock, QUICK_RETRY_MS);
          continue;
        }
        await sleep(systemClock, backoff(attempt, CALL_RETRY, this.random));
      }
    }
  }

  async txn(txn: KvTxn): Promise<KvTxnResult> {
    const req = toTxnRequest(txn);
    const local = txn.staleOk === true ? toSerializableTxn(req) : undefined;
    const lease = leaseOf(txn.success) ?? leaseOf(txn.failure);
    const { value: res, retried } = await this.call(
      'txn',
      (attempt) => this.client.kv.txn(local !== undefined && attempt > 1 ? local : req),
      lease === undefined ? {} : { leaseId: lease },
      { anyMember: local !== undefined },
    );
    return {
      succeeded: res.succeeded,
      revision: BigInt(res.header.revision),
      results: fromTxnResponses(res),
      retried,
    };
  }

  async range(req: KvRangeRequest): Promise<KvRangeResult> {
    const { value: res } = await this.call(
      'range',
      (attempt) =>
        this.client.kv.range({
          ...(req.staleOk === true && attempt > 1 ? { serializable: true } : {}),
          key: Buffer.from(req.key),
          ...(req.rangeEnd === undefined ? {} : { range_end: Buffer.from(req.rangeEnd) }),
          ...(req.revision === undefined ? {} : { revision: req.revision.toString() }),
          ...(req.limit === undefined ? {} : { limit: req.limit }),
        }),
      req.revision === undefined ? {} : { revision: req.revision },
      { anyMember: req.staleOk === true },
    );
    return {
      kvs: res.kvs.map(fromKeyValue),
      more: res.more,
      revision: req.revision ?? BigInt(res.header.revision),
    };
  }

  async grantLease(ttlSeconds: number, renewEveryMs?: number): Promise<KvLease> {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
      throw new RangeError(`a lease TTL must be a whole number of seconds >= 1, got ${ttlSeconds}`);
    }
    const sentAt = this.clock.monotonic();
    const { value: res } = await this.call('lease_grant', () =>
      this.client.leaseClient.leaseGrant({ TTL: ttlSeconds }),
    );
    const deps = { rpc: this.leaseRpc, clock: this.clock, random: this.random };
    const lease = new EtcdLease(deps, BigInt(res.ID), ttlSeconds, sentAt, renewEveryMs);
    if (this.closed) {
      lease.stopRenewing();
      throw new ClosedError('the registry is closed');
    }
    return holdWhileLive(this.leases, lease, lease.lost);
  }

  /**
   * One keepalive on the lease's own long-lived stream: the TTL etcd granted, 0 if the lease is
   * gone. Not retried here: the lease's loop retries with backoff. One stream per lease, not one
   * per client: etcd answers a stream's keepalives one after another, and a renewal of an expired
   * lease waits there for its revoke, which would hold up every other lease on that stream.
   */
  private async keepAliveOnce(id: bigint): Promise<number> {
    if (this.closed) throw new ClosedError('the registry is closed');
    let stream = this.keepAlives.get(id);
    if (stream === undefined) {
      stream = new KeepAliveStream(() => {
        this.keepAliveStreams++;
        return this.client.leaseClient.leaseKeepAlive();
      }, this.requestTimeoutMs);
      this.keepAlives.set(id, stream);
    }
    try {
      return await this.timed('lease_keepalive', () => stream.keepAlive(id), { leaseId: id });
    } catch (err) {
      throw mapEtcdError(err, { endpoints: this.endpoints, leaseId: id });
    }
  }

  private releaseKeepAlives(id: bigint): void {
    this.keepAlives.get(id)?.close();
    this.keepAlives.delete(id);
  }

  /** Keepalive streams opened so far: one per lease unless a stream failed. */
  get keepAliveStreamsOpened(): number {
    return this.keepAliveStreams;
  }

  async revokeLease(id: bigint): Promise<void> {
    await this.call('lease_revoke', async () => {
      try {
        await this.client.leaseClient.leaseRevoke({ ID: id.toString() });
      } catch (err) {
        if (err instanceof EtcdLeaseInvalidError) return; // already gone
        throw err;
      }
    });
  }

  watch(key: string, rangeEnd: string, afterRevision: bigint, listener: KvWatchListener): KvWatch {
    if (this.closed) throw new ClosedError('the registry is closed');
    const deps = {
      client: this.client,
      clock: this.clock,
      random: this.random,
      range: (r: KvRangeRequest) => this.range(r),
    };
    return holdUntilClosed(this.watches, watchEtcd(deps, key, rangeEnd, afterRevision, listener));
  }

  /** What the watch stream's watchdog has done: probes sent and answered, silent streams reset. */
  get watchStream(): WatchStreamStats {
    return this.streams.stats;
  }

  async compact(revision: bigint): Promise<void> {
    await this.call('compact', () =>
      this.client.kv.compact({ revision: revision.toString(), physical: true }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.watches].map((w) => w.close()));
    this.closed = true;
    for (const lease of this.leases) lease.stopRenewing();
    this.leases.clear();
    this.streams.close();
    for (const stream of this.keepAlives.values()) stream.close();
    this.keepAlives.clear();
    this.client.close();
  }
}
