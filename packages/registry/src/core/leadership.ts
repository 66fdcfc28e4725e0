// Engine leadership: a lease plus a create-if-absent of the `leader` key bound to it
// (libs.md §2.7: etcd3's Election is not safe to use). The leader key's create revision is
// the fencing token; local fencing suspends a leader whose renewals have lapsed for TTL minus a
// margin ({@link fenceMarginMs}), and an acknowledged renewal resumes it: etcd extends every
// lease on an etcd leader change, so an election that held renewals up must not end a term.
// The term ends when the lease is known or given up on as lost. The lease is renewed every
// {@link leaderRenewEveryMs}.
import { encodeLeader } from '../codec.js';
import type { KvLease } from '../kv/kv.js';
import type { Leadership } from '../registry.js';
import type { LeaderInfo } from '../types.js';
import type { Core } from './core.js';
import { readLeader } from './fence.js';
import { checkCandidateId, checkTtl } from './validate.js';

/**
 * How long before its lease could expire a leader stops leading: 1 s (fleet's TTL-1 s), and a
 * sixth of the TTL for leases under 6 s (500 ms for a 3 s lease). The margin covers the time
 * between a renewal's send and etcd's answer; every write of the engine is fenced in etcd anyway.
 */
export function fenceMarginMs(ttlSeconds: number): number {
  return Math.min(1000, Math.round((ttlSeconds * 1000) / 6));
}

/**
 * The leader renews every 500 ms (TTL/3 for leases under 1.5 s): one lease in the cluster, and
 * an etcd leader election of 1-2 s must not fence it. With renewals every TTL/3, a 3 s lease was
 * fenced by an election about half the time.
 */
export function leaderRenewEveryMs(ttlSeconds: number): number {
  return Math.min(500, (ttlSeconds * 1000) / 3);
}

/**
 * A held leadership. Suspended (not leading) while its renewals have lapsed, leading again once
 * one is acknowledged; ends (for good) on resign, close, or lease loss.
 */
export class LeadershipHandle implements Leadership {
  private readonly controller = new AbortController();
  private cancelFence: () => void = () => {};
  private suspended = false;
  private readonly changed: (() => void)[] = [];

  constructor(
    private readonly core: Core,
    private readonly lease: KvLease,
    readonly candidateId: string,
    readonly ttlSeconds: number,
    readonly token: string,
  ) {
    lease.onRenewed(() => this.renewed());
    if (lease.lost.aborted) this.end('its lease was lost');
    else lease.lost.addEventListener('abort', () => this.end('its lease was lost'), { once: true });
    this.armFence();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** When local fencing suspends this leadership, on the monotonic clock (NTP steps do not move it). */
  private get fenceAt(): number {
    return this.lease.lastRenewedAt() + this.ttlSeconds * 1000 - fenceMarginMs(this.ttlSeconds);
  }

  private renewed(): void {
    if (this.signal.aborted) return;
    // The renewal was sent after fenceAt's previous value: the lease lives TTL past its send.
    if (this.suspended && this.core.kv.clock.monotonic() < this.fenceAt) {
      this.suspended = false;
      this.notify();
    }
    this.armFence();
  }

  private suspend(): void {
    if (this.suspended || this.signal.aborted) return;
    this.suspended = true;
    this.notify();
  }

  private notify(): void {
    for (const fn of this.changed) fn();
  }

  private armFence(): void {
    this.cancelFence();
    if (this.signal.aborted || this.suspended) return;
    const delay = this.fenceAt - this.core.kv.clock.monotonic();
    if (delay <= 0) {
      this.suspend();
      return;
    }
    this.cancelFence = this.core.kv.clock.setTimer(delay, () => this.armFence());
  }

  isLeader(): boolean {
    if (this.signal.aborted || this.suspended) return false;
    if (this.core.kv.clock.monotonic() >= this.fenceAt) {
      this.cancelFence();
      this.suspend();
      return false;
    }
    return true;
  }

  onChange(fn: () => void): void {
    this.changed.push(fn);
  }

  /**
   * Ends the leadership locally and lets the key go: revoked if etcd answers, otherwise it
   * expires (a leader that stepped down must not keep the key alive).
   */
  end(why: string): void {
    if (this.signal.aborted) return;
    this.cancelFence();
    this.lease.stopRenewing();
    this.controller.abort(new Error(`leadership of ${this.candidateId} ended: ${why}`));
    this.notify();
    this.lease.revoke().catch(() => undefined);
  }

  /** Stops keepalives and nothing else, as if the process froze (fault tests). */
  stall(): void {
    this.lease.stopRenewing();
  }

  /** Stops keepalives without revoking (registry close): the key expires after its TTL. */
  detach(): void {
    if (this.signal.aborted) return;
    this.cancelFence();
    this.lease.stopRenewing();
    this.controller.abort(new Error(`leadership of ${this.candidateId} ended: registry closed`));
    this.notify();
  }

  /**
   * Ends the leadership and revokes its lease, even if it already ended locally (ended by `end`,
   * whose revoke may have failed): only a lease etcd is known to have dropped is not revoked.
   * The revoke is retried; if etcd cannot be told, this rejects.
   */
  async resign(): Promise<void> {
    this.cancelFence();
    this.lease.stopRenewing();
    if (!this.signal.aborted) {
      this.controller.abort(new Error(`leadership of ${this.candidateId} ended: resigned`));
      this.notify();
    }
    if (this.lease.gone()) return;
    await this.lease.revoke();
  }
}

/** See {@link Registry.campaign}. */
export async function campaign(
  core: Core,
  candidateIdIn: string,
  ttlIn: number,
): Promise<LeadershipHandle | undefined> {
  const candidateId = checkCandidateId(candidateIdIn);
  const ttl = checkTtl(ttlIn);
  const lease = await core.kv.grantLease(ttl, leaderRenewEveryMs(ttl));
  const key = core.keys.leader();
  let token: bigint | undefined;
  try {
    const res = await core.kv.txn({
      compare: [{ key, target: 'create', op: '==', value: 0n }],
      success: [{ type: 'put', key, value: encodeLeader(candidateId), lease: lease.id }],
      failure: [{ type: 'range', key }],
    });
    const found = res.results[0];
    const rec = found?.type === 'range' ? found.kvs[0] : undefined;
    if (res.succeeded) token = res.revision;
    // A retried request that won shows our own lease on the key.
    else if (res.retried && rec?.lease === lease.id) token = rec.createRevision;
  } catch (err) {
    await lease.revoke().catch(() => undefined);
    throw err;
  }
  if (token === undefined) {
    await lease.revoke().catch(() => undefined);
    return undefined;
  }
  return new LeadershipHandle(core, lease, candidateId, ttl, token.toString());
}

/** See {@link Registry.getLeader}. */
export function getLeader(core: Core): Promise<LeaderInfo | undefined> {
  return readLeader(core);
}
