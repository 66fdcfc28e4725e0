// A lease on etcd with automatic keepalive (etcd3's Lease), tracking when the latest
// acknowledged renewal was *sent*, so that local fencing errs on the safe side.
import type { Etcd3, Lease } from 'etcd3';
import type { Clock } from '@fleet/runtime';
import { LeaseExpiredError } from '../errors.js';
import type { KvLease } from './kv.js';

/** Grants a lease and keeps it alive. Rejects (with the raw etcd3 error) if the grant fails. */
export async function grantEtcdLease(
  client: Etcd3,
  ttlSeconds: number,
  clock: Clock,
): Promise<EtcdLease> {
  const sentAt = clock.now();
  const lease = client.lease(ttlSeconds);
  // 'lost' fires on a failed grant too: listen before awaiting so it never goes unheard.
  const early: { err?: unknown } = {};
  lease.on('lost', (err) => {
    early.err = err;
  });
  const id = BigInt(await lease.grant());
  return new EtcdLease(lease, id, ttlSeconds, clock, sentAt, early.err);
}

/** {@link KvLease} over etcd3's Lease. */
export class EtcdLease implements KvLease {
  private readonly controller = new AbortController();
  private lastRenewal: number;
  private pendingSince: number | undefined;
  private readonly renewed: (() => void)[] = [];

  constructor(
    private readonly lease: Lease,
    readonly id: bigint,
    readonly ttlSeconds: number,
    private readonly clock: Clock,
    grantSentAt: number,
    lostAlready: unknown,
  ) {
    this.lastRenewal = grantSentAt;
    lease.on('keepaliveFired', () => {
      this.pendingSince ??= clock.now();
    });
    lease.on('keepaliveSucceeded', () => {
      this.lastRenewal = this.pendingSince ?? clock.now();
      this.pendingSince = undefined;
      for (const fn of this.renewed) fn();
    });
    lease.on('keepaliveFailed', () => {
      this.pendingSince = undefined;
    });
    lease.on('lost', (err) => this.markLost(err));
    if (lostAlready !== undefined) this.markLost(lostAlready);
  }

  get lost(): AbortSignal {
    return this.controller.signal;
  }

  /** Records that the lease is gone (etcd said so, or we gave up on it). */
  markLost(cause?: unknown): void {
    if (this.controller.signal.aborted) return;
    this.lease.release();
    this.controller.abort(new LeaseExpiredError(this.id, cause));
  }

  lastRenewedAt(): number {
    return this.lastRenewal;
  }

  onRenewed(fn: () => void): void {
    this.renewed.push(fn);
  }

  async revoke(): Promise<void> {
    try {
      await this.lease.revoke();
    } finally {
      this.markLost();
    }
  }

  stopRenewing(): void {
    this.lease.release();
  }
}
