// EtcdKv's watch stream and lease revoke under faults, on real etcd (review F5b, F6): a member
// that loses its raft leader cancels our watch (require-leader metadata) instead of going silent;
// a stream whose packets are dropped is found silent by the watchdog, re-created elsewhere, and
// resumes from its revision without losing an event; a revoke survives a cut link.
import { ManualClock } from '@fleet/runtime';
import { EtcdCluster, sleep, TcpProxy, waitFor } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { prefixEnd } from '../keys.js';
import { EtcdKv } from './etcd-kv.js';
import type { KvEvent } from './kv.js';

const keyOf = (e: KvEvent): string => (e.type === 'put' ? e.kv.key : e.key);

/** A proxy in front of one etcd member. */
async function proxyTo(url: string): Promise<TcpProxy> {
  const u = new URL(url);
  return TcpProxy.start({ host: u.hostname, port: Number(u.port) });
}

describe('EtcdKv on one etcd member', () => {
  let etcd: EtcdCluster | undefined;
  beforeAll(async () => {
    etcd = await EtcdCluster.start({ members: 1 });
  });
  afterAll(async () => {
    await etcd?.stop();
  });
  const endpoint = (): string => {
    const url = etcd?.endpoints[0];
    if (url === undefined) throw new Error('etcd did not start');
    return url;
  };

  it('probes a quiet watch stream: etcd answers, nothing is reset, events keep flowing', async () => {
    const clock = new ManualClock();
    const kv = new EtcdKv({ endpoints: [endpoint()], clock });
    const p = '/probe-quiet/';
    try {
      const start = await kv.txn({
        compare: [],
        success: [{ type: 'put', key: `${p}0`, value: 'v' }],
        failure: [],
      });
      const events: KvEvent[] = [];
      const w = kv.watch(p, prefixEnd(p), start.revision, {
        events: (e) => events.push(...e),
        resync: () => {},
      });
      await kv.txn({
        compare: [],
        success: [{ type: 'put', key: `${p}1`, value: 'v' }],
        failure: [],
      });
      await waitFor(() => events.length === 1, { timeoutMs: 10_000, what: 'the first event' });
      clock.advance(60_000); // a minute of silence: the watchdog asks etcd for progress
      expect(kv.watchStream.probes).toBe(1);
      await waitFor(() => kv.watchStream.answers === 1, { timeoutMs: 10_000, what: 'the answer' });
      clock.advance(10_000);
      expect(kv.watchStream.resets).toBe(0);
      // The answer reached etcd3 without breaking or stalling the stream.
      await kv.txn({
        compare: [],
        success: [{ type: 'put', key: `${p}2`, value: 'v' }],
        failure: [],
      });
      await waitFor(() => events.length === 2, { timeoutMs: 10_000, what: 'the next event' });
      expect(events.map(keyOf)).toEqual([`${p}1`, `${p}2`]);
      await w.close();
    } finally {
      await kv.close();
    }
  });

  it('re-creates a watch whose packets are dropped, and resumes it without losing events', async () => {
    // Two routes to the same member. gRPC pings are off here, so that nothing but the watchdog
    // can notice the dropped route: pings would not notice a member that answers them but has
    // no leader either.
    const [a, b] = [await proxyTo(endpoint()), await proxyTo(endpoint())];
    const clock = new ManualClock();
    const kv = new EtcdKv({ endpoints: [a.url, b.url], clock, keepaliveMs: 0 });
    const writer = new EtcdKv({ endpoints: [endpoint()] });
    const p = '/blackhole/';
    const put = async (k: string) =>
      writer.txn({
        compare: [],
        success: [{ type: 'put', key: `${p}${k}`, value: 'v' }],
        failure: [],
      });
    try {
      const start = await put('0');
      const events: KvEvent[] = [];
      const w = kv.watch(p, prefixEnd(p), start.revision, {
        events: (e) => events.push(...e),
        resync: () => {},
      });
      await put('1');
      await waitFor(() => events.length === 1, { timeoutMs: 10_000, what: 'the first event' });
      // The watch is the client's only call, so one route carries it: drop its packets.
      const carrying = [a, b].filter((x) => x.connections > 0);
      expect(carrying).toHaveLength(1);
      carrying[0]?.blackhole();
      for (const k of ['2', '3', '4', '5']) await put(k);
      // Each poll lets 35 s of watchdog time pass: silence, a probe nobody answers, a reset; etcd3
      // re-creates the stream on a shuffled route until it lands on the healthy one.
      await waitFor(
        () => {
          clock.advance(35_000);
          return events.length >= 5;
        },
        { timeoutMs: 60_000, intervalMs: 250, what: 'the events written while the route was dead' },
      );
      expect(kv.watchStream.resets).toBeGreaterThanOrEqual(1);
      await put('6');
      await waitFor(() => events.length >= 6, { timeoutMs: 10_000, what: 'a later event' });
      expect(events.map(keyOf)).toEqual(['1', '2', '3', '4', '5', '6'].map((k) => `${p}${k}`));
      await w.close();
    } finally {
      await kv.close();
      await writer.close();
      await a.close();
      await b.close();
    }
  });

  it('keeps a lease across a wall-clock step of an hour and a failed keepalive', async () => {
    // etcd3's Lease declared a lease lost on the first keepalive error once Date.now() was 2×TTL
    // past its last renewal: a forward NTP step and one failed keepalive ended every session.
    const proxy = await proxyTo(endpoint());
    const kv = new EtcdKv({
      endpoints: [proxy.url],
      requestTimeoutMs: 1_000,
      dialTimeoutMs: 1_000,
    });
    const p = '/ntp-step/';
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    try {
      const lease = await kv.grantLease(10);
      let renewals = 0;
      lease.onRenewed(() => renewals++);
      await kv.txn({
        compare: [],
        success: [{ type: 'put', key: `${p}k`, value: 'v', lease: lease.id }],
        failure: [],
      });
      vi.setSystemTime(Date.now() + 3_600_000);
      proxy.cut();
      await sleep(4_000); // longer than TTL/3: a keepalive runs into the cut and fails
      proxy.restore();
      const before = renewals;
      await waitFor(() => renewals >= before + 2, {
        timeoutMs: 30_000,
        what: 'renewals after the cut',
      });
      expect(lease.lost.aborted).toBe(false);
      expect((await kv.range({ key: `${p}k` })).kvs).toHaveLength(1);
      await lease.revoke();
    } finally {
      vi.useRealTimers();
      await kv.close();
      await proxy.close();
    }
  });

  it('revokes a lease across a cut link (retried), and a lease already gone counts as revoked', async () => {
    const proxy = await proxyTo(endpoint());
    const kv = new EtcdKv({
      endpoints: [proxy.url],
      requestTimeoutMs: 1_000,
      dialTimeoutMs: 1_000,
    });
    const p = '/revoke-cut/';
    try {
      const lease = await kv.grantLease(60);
      await kv.txn({
        compare: [],
        success: [{ type: 'put', key: `${p}k`, value: 'v', lease: lease.id }],
        failure: [],
      });
      proxy.cut();
      const revoked = lease.revoke();
      await sleep(1_500); // at least the first attempt runs into the cut
      proxy.restore();
      await revoked;
      expect(lease.gone()).toBe(true);
      expect((await kv.range({ key: `${p}k` })).kvs).toEqual([]);
      await kv.revokeLease(lease.id); // etcd: "requested lease not found"
    } finally {
      await kv.close();
      await proxy.close();
    }
  });

  it('renews each lease over one long-lived keepalive stream; a lease revoked elsewhere is lost, the others live', async () => {
    // One short stream per keepalive cost a gRPC call set-up each time (600 a second for 1,000
    // machines at a 5 s TTL). Each lease now keeps one stream open while it is renewed.
    const kv = new EtcdKv({ endpoints: [endpoint()] });
    const other = new EtcdKv({ endpoints: [endpoint()] });
    try {
      const leases = await Promise.all(Array.from({ length: 20 }, () => kv.grantLease(3)));
      const renewals = leases.map(() => 0);
      leases.forEach((l, i) => l.onRenewed(() => (renewals[i] = (renewals[i] ?? 0) + 1)));
      await waitFor(() => renewals.every((n) => n >= 2), {
        timeoutMs: 10_000,
        what: 'two renewals of every lease',
      });
      expect(kv.keepAliveStreamsOpened).toBe(leases.length);
      const [gone, ...rest] = leases;
      if (gone === undefined) throw new Error('no lease');
      await other.revokeLease(gone.id);
      await waitFor(() => gone.lost.aborted, { timeoutMs: 5_000, what: 'the revoked lease lost' });
      const before = [...renewals];
      await waitFor(
        () => rest.every((_, i) => (renewals[i + 1] ?? 0) >= (before[i + 1] ?? 0) + 1),
        {
          timeoutMs: 5_000,
          what: 'the other leases renewed again',
        },
      );
      expect(rest.some((l) => l.lost.aborted)).toBe(false);
      expect(kv.keepAliveStreamsOpened).toBe(leases.length);
      await Promise.all(rest.map((l) => l.revoke()));
    } finally {
      await kv.close();
      await other.close();
    }
  });
});

describe('EtcdKv on three etcd members', () => {
  let cluster: EtcdCluster | undefined;
  beforeAll(async () => {
    cluster = await EtcdCluster.start({ members: 3 });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('a watch on a member that lost its raft leader is cancelled by etcd, not left silent', async () => {
    if (cluster === undefined) throw new Error('etcd did not start');
    const [survivor, ...others] = cluster.members;
    if (survivor === undefined) throw new Error('no members');
    const restarts: unknown[] = [];
    const kv = new EtcdKv({ endpoints: [survivor.clientUrl] });
    const writer = new EtcdKv({ endpoints: cluster.endpoints });
    const p = '/no-leader/';
    const put = async (k: string) =>
      writer.txn({
        compare: [],
        success: [{ type: 'put', key: `${p}${k}`, value: 'v' }],
        failure: [],
      });
    try {
      const start = await put('0');
      const events: KvEvent[] = [];
      const w = kv.watch(p, prefixEnd(p), start.revision, {
        events: (e) => events.push(...e),
        resync: () => {},
        restarted: (err) => restarts.push(err),
      });
      await put('1');
      await waitFor(() => events.length === 1, { timeoutMs: 10_000, what: 'the first event' });
      // The survivor keeps its connections and answers pings, but has no leader any more.
      for (const m of others) await m.kill();
      await waitFor(() => restarts.length > 0, {
        timeoutMs: 30_000,
        what: 'etcd to cancel the watch',
      });
      expect(String(restarts[0])).toMatch(/no leader/);
      for (const m of others) m.start();
      await cluster.waitHealthy();
      await put('2');
      await waitFor(() => events.length >= 2, { timeoutMs: 30_000, what: 'the watch to resume' });
      expect(events.map(keyOf)).toEqual([`${p}1`, `${p}2`]);
      await w.close();
    } finally {
      await kv.close();
      await writer.close();
      for (const m of cluster.members) if (!m.running) m.start();
      await cluster.waitHealthy();
    }
  });
});
