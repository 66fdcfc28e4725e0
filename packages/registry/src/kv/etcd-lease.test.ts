// EtcdLease's own keepalive loop, on a manual clock with a scripted etcd: loss is decided on the
// monotonic clock (an NTP step changes nothing), failed keepalives back off with jitter instead
// of etcd3's fixed 100 ms, and a revoke that fails leaves the lease revocable.
import { ManualClock } from '@fleet/runtime';
import { describe, expect, it } from 'vitest';
import { LeaseExpiredError, UnavailableError } from '../errors.js';
import { EtcdLease, type LeaseRpc } from './etcd-lease.js';

/** etcd as the lease sees it: keepalives answer `ttl`, or fail while `down`. */
function scriptedEtcd(clock: ManualClock) {
  const etcd = {
    down: false,
    ttl: 10,
    keepalives: [] as number[],
    revokes: 0,
    revokeFails: 0,
  };
  const rpc: LeaseRpc = {
    keepAlive: async () => {
      etcd.keepalives.push(clock.monotonic());
      await Promise.resolve();
      if (etcd.down) throw new UnavailableError(['etcd']);
      return etcd.ttl;
    },
    revoke: async () => {
      etcd.revokes++;
      await Promise.resolve();
      if (etcd.revokeFails > 0) {
        etcd.revokeFails--;
        throw new UnavailableError(['etcd']);
      }
    },
  };
  return { etcd, rpc };
}

describe('EtcdLease', () => {
  it('renews every renewEveryMs when asked (the leader lease: every 500 ms, not TTL/3)', async () => {
    const clock = new ManualClock();
    const { etcd, rpc } = scriptedEtcd(clock);
    const t0 = clock.monotonic();
    const lease = new EtcdLease({ rpc, clock }, 8n, 3, t0, 500);
    await clock.tick(3_000);
    expect(etcd.keepalives.map((t) => t - t0)).toEqual([500, 1000, 1500, 2000, 2500, 3000]);
    lease.stopRenewing();
  });

  it('stays alive across a wall-clock step, renewing every TTL/3 by the monotonic clock', async () => {
    const clock = new ManualClock();
    const { etcd, rpc } = scriptedEtcd(clock);
    const lease = new EtcdLease({ rpc, clock }, 7n, 6, clock.monotonic());
    clock.stepWall(3_600_000);
    await clock.tick(60_000);
    expect(lease.lost.aborted).toBe(false);
    expect(etcd.keepalives).toHaveLength(30);
    expect(lease.lastRenewedAt()).toBe(etcd.keepalives.at(-1));
    // etcd is unreachable, and the wall clock steps again: loss comes 2×TTL after the last
    // acknowledged renewal, by monotonic time, not by the step.
    etcd.down = true;
    const last = lease.lastRenewedAt();
    clock.stepWall(3_600_000);
    await clock.tick(last + 12_000 - clock.monotonic() - 1_000);
    expect(lease.lost.aborted).toBe(false);
    await clock.tick(1_000);
    expect(lease.lost.aborted).toBe(true);
    expect(lease.lost.reason).toBeInstanceOf(LeaseExpiredError);
    expect(lease.gone()).toBe(false); // given up on, not known dropped: still worth a revoke
    expect(clock.pendingTimers).toBe(0);
  });

  it('retries a failed keepalive with a growing, jittered delay, not every 100 ms', async () => {
    const run = async (random: () => number): Promise<number[]> => {
      const clock = new ManualClock();
      const { etcd, rpc } = scriptedEtcd(clock);
      const lease = new EtcdLease({ rpc, clock, random }, 7n, 30, clock.monotonic());
      etcd.down = true;
      await clock.tick(30_000);
      lease.stopRenewing();
      return etcd.keepalives.slice(1).map((t, i) => t - (etcd.keepalives[i] ?? 0));
    };
    const low = await run(() => 0);
    const high = await run(() => 0.999_999);
    // Delays double from 100-200 ms up to TTL/3 (10 s); jitter spreads fleetds apart.
    expect(low.slice(0, 5)).toEqual([100, 200, 400, 800, 1_600]);
    expect(high.slice(0, 3).map(Math.round)).toEqual([200, 400, 800]);
    expect(Math.max(...high)).toBeLessThanOrEqual(10_000);
    // In 20 s of outage after the first failure: a handful of attempts, not 200.
    expect(low.length).toBeLessThan(15);
  });

  it('is lost, and known gone, when etcd answers that the lease does not exist', async () => {
    const clock = new ManualClock();
    const { etcd, rpc } = scriptedEtcd(clock);
    const lease = new EtcdLease({ rpc, clock }, 7n, 3, clock.monotonic());
    etcd.ttl = 0;
    await clock.tick(1_000);
    expect([lease.lost.aborted, lease.gone()]).toEqual([true, true]);
    await clock.tick(10_000);
    expect(etcd.keepalives).toHaveLength(1);
  });

  it('a failed revoke rejects and leaves the lease revocable; a later one succeeds', async () => {
    const clock = new ManualClock();
    const { etcd, rpc } = scriptedEtcd(clock);
    const lease = new EtcdLease({ rpc, clock }, 7n, 3, clock.monotonic());
    etcd.revokeFails = 1;
    await expect(lease.revoke()).rejects.toBeInstanceOf(UnavailableError);
    expect([lease.lost.aborted, lease.gone()]).toEqual([true, false]);
    await clock.tick(10_000);
    expect(etcd.keepalives).toHaveLength(0); // no renewing after a revoke was asked for
    await lease.revoke();
    expect([lease.gone(), etcd.revokes]).toEqual([true, 2]);
  });
});
