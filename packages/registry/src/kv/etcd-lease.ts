// A lease on etcd kept alive by our own loop rather than etcd3's `Lease`: etcd3 declares a lease
// lost after 2×TTL measured with Date.now() (an NTP step ends or prolongs it) and retries a failed
// keepalive stream every 100 ms with no backoff (a thundering herd when etcd returns). Here every
// time is monotonic (`clock.monotonic()`), retries back off with jitter, and the revoke goes
// through EtcdKv's retrying call path.
import { backoff, type Clock } from '@fleet/runtime';
import { LeaseExpiredError } from '../errors.js';
import type { KvLease } from './kv.js';

/** The etcd calls a lease makes (EtcdKv supplies them; tests may fake them). */
export interface LeaseRpc {
  /**
   * Sends one keepalive for `id` and resolves with the TTL etcd granted, in seconds: 0 means the
   * lease no longer exists. Rejects (with a RegistryError) if etcd could not be asked.
   */
  keepAlive(id: bigint): Promise<number>;
  /** Revokes `id`, retrying transient failures; a lease that is already gone is fine. */
  revoke(id: bigint): Promise<void>;
  /** `id` is renewed no more: what its keepalives held (a stream) can go. */
  release?(id: bigint): void;
}

/** What a lease needs besides its ID and TTL. */
export interface LeaseDeps {
  readonly rpc: LeaseRpc;
  readonly clock: Clock;
  /** Uniform in [0, 1): jitters the retry delays (default Math.random). */
  readonly random?: () => number;
}

/**
 * The first retry after a failed keepalive comes after 100-200 ms (150 ms ±1/3); the range
 * doubles per failure, up to 1/2-1 × TTL/3.
 */
const RETRY_MID_MS = 150;
const RETRY_JITTER = 1 / 3;

/** {@link KvLease} over etcd: keepalive every TTL/3 (or as asked), loss decided on the monotonic clock. */
export class EtcdLease implements KvLease {
  private readonly controller = new AbortController();
  private lastRenewal: number;
  private readonly renewed: (() => void)[] = [];
  private cancelTimer: () => void = () => {};
  private cancelGiveUp: () => void = () => {};
  private renewing = true;
  private failures = 0;
  private isGone = false;
  private readonly random: () => number;

  /**
   * @param grantSentAt - `clock.monotonic()` when the grant was sent: the lease lives at least
   *   TTL after it
   * @param renewEveryMs - keepalive interval (default TTL/3)
   */
  constructor(
    private readonly deps: LeaseDeps,
    readonly id: bigint,
    readonly ttlSeconds: number,
    grantSentAt: number,
    private readonly renewEveryMs?: number,
  ) {
    this.lastRenewal = grantSentAt;
    this.random = deps.random ?? Math.random;
    this.armGiveUp();
    this.schedule(this.intervalMs);
  }

  get lost(): AbortSignal {
    return this.controller.signal;
  }

  private get intervalMs(): number {
    return this.renewEveryMs ?? (this.ttlSeconds * 1000) / 3;
  }

  lastRenewedAt(): number {
    return this.lastRenewal;
  }

  onRenewed(fn: () => void): void {
    this.renewed.push(fn);
  }

  gone(): boolean {
    return this.isGone;
  }

  /** How long after the failure-th consecutive failed keepalive the next one is tried. */
  retryDelayMs(failure: number): number {
    const policy = { initialMs: RETRY_MID_MS, maxMs: this.intervalMs * 0.75, jitter: RETRY_JITTER };
    return backoff(failure, policy, this.random);
  }

  /**
   * etcd may extend a lease beyond its TTL (it does on a leader change), so the lease is given up
   * on only 2×TTL after the last acknowledged renewal was sent, as etcd3 did, but on the
   * monotonic clock, and on time even while a keepalive hangs.
   */
  private armGiveUp(): void {
    this.cancelGiveUp();
    const at = this.lastRenewal + 2 * this.ttlSeconds * 1000;
    this.cancelGiveUp = this.deps.clock.setTimer(at - this.deps.clock.monotonic(), () =>
      this.markLost(`no keepalive was acknowledged for ${2 * this.ttlSeconds} s`, false),
    );
  }

  private schedule(delayMs: number): void {
    this.cancelTimer();
    if (!this.renewing) return;
    this.cancelTimer = this.deps.clock.setTimer(delayMs, () => void this.beat());
  }

  private async beat(): Promise<void> {
    if (!this.renewing) return;
    const sentAt = this.deps.clock.monotonic();
    let ttl: number;
    try {
      ttl = await this.deps.rpc.keepAlive(this.id);
    } catch (err) {
      if (!this.renewing) return;
      if (err instanceof LeaseExpiredError) {
        this.markLost(err, true);
        return;
      }
      this.failures++;
      this.schedule(this.retryDelayMs(this.failures));
      return;
    }
    if (!this.renewing) return;
    if (ttl <= 0) {
      this.markLost(new LeaseExpiredError(this.id), true);
      return;
    }
    this.failures = 0;
    this.lastRenewal = Math.max(this.lastRenewal, sentAt);
    this.armGiveUp();
    for (const fn of this.renewed) fn();
    this.schedule(this.intervalMs);
  }

  /**
   * Records that the lease is gone, or given up on.
   * @param known - etcd said so (it expired or was revoked), so there is nothing to revoke
   */
  markLost(cause?: unknown, known = false): void {
    this.stopRenewing();
    if (known) this.isGone = true;
    if (this.controller.signal.aborted) return;
    this.controller.abort(
      cause instanceof LeaseExpiredError ? cause : new LeaseExpiredError(this.id, { cause }),
    );
  }

  async revoke(): Promise<void> {
    this.stopRenewing();
    try {
      await this.deps.rpc.revoke(this.id);
    } catch (err) {
      this.markLost(err, false);
      throw err;
    }
    this.markLost('revoked', true);
  }

  stopRenewing(): void {
    if (this.renewing) this.deps.rpc.release?.(this.id);
    this.renewing = false;
    this.cancelTimer();
    this.cancelTimer = () => {};
    this.cancelGiveUp();
    this.cancelGiveUp = () => {};
  }
}
