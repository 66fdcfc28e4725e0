// EtcdRegistry against real etcd: the contract suite on one member, then faults on three
// members (leader killed mid-flight), and etcd unreachable.
import { EtcdCluster, freePort, waitFor } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvContract, rawAccess, registryContract, unit } from './testing/index.js';
import { EtcdRegistry } from './etcd-registry.js';
import { EtcdKv } from './kv/etcd-kv.js';
import { isRegistryError, UnavailableError } from './errors.js';
import type { RegistryIssue, UnitEvent } from './types.js';

let etcd: EtcdCluster | undefined;
let seq = 0;

describe('on one etcd member', () => {
  beforeAll(async () => {
    etcd = await EtcdCluster.start({ members: 1 });
  });
  afterAll(async () => {
    await etcd?.stop();
  });

  registryContract('EtcdRegistry', async () => {
    if (etcd === undefined) throw new Error('etcd did not start');
    const issues: RegistryIssue[] = [];
    const registry = new EtcdRegistry({
      endpoints: etcd.endpoints,
      prefix: `/fleet-contract-${process.pid}-${seq++}/`,
      report: (i) => issues.push(i),
    });
    const raw = rawAccess(registry);
    return {
      registry,
      issues,
      patienceMs: 20_000,
      passTime: () => {},
      ...raw,
      close: () => registry.close(),
    };
  });

  kvContract('EtcdKv', async () => {
    if (etcd === undefined) throw new Error('etcd did not start');
    const kv = new EtcdKv({ endpoints: etcd.endpoints });
    await Promise.resolve();
    return { kv, prefix: `/kv-contract-${process.pid}-${seq++}/`, close: () => kv.close() };
  });

  it("reaches the one member up among endpoints that refuse connections, on the API view's reads", async () => {
    if (etcd === undefined) throw new Error('etcd did not start');
    // Each attempt goes to one endpoint picked at random: five of the six refuse. Within a short
    // budget, a read that only backed off between attempts missed the live member about half the
    // time; ten reads in a row all reach it.
    const down = await Promise.all(
      [1, 2, 3, 4, 5].map(async () => `http://127.0.0.1:${await freePort()}`),
    );
    const prefix = `/fleet-down-${process.pid}-${seq++}/`;
    const writer = new EtcdRegistry({ endpoints: etcd.endpoints, prefix });
    const registry = new EtcdRegistry({
      endpoints: [...down, ...etcd.endpoints],
      prefix,
      requestTimeoutMs: 1_000,
      retryBudgetMs: 2_000,
    });
    try {
      await writer.createUnit(unit('up.service'));
      const view = registry.withStaleReads();
      for (let i = 0; i < 10; i++) {
        expect((await view.listUnits()).items.map((u) => u.name)).toEqual(['up.service']);
      }
    } finally {
      await registry.close();
      await writer.close();
    }
  });
});

/** Retries a call while it fails with a retryable registry error (as a caller would). */
async function persist<T>(call: () => Promise<T>): Promise<T> {
  return waitFor(
    async () => {
      try {
        return { value: await call() };
      } catch (err) {
        if (isRegistryError(err) && err.retryable) throw err;
        return { failed: err };
      }
    },
    { timeoutMs: 30_000, intervalMs: 100, what: 'a retryable call to succeed' },
  ).then((r) => {
    if ('failed' in r) throw r.failed;
    return r.value;
  });
}

describe('on three etcd members', () => {
  let cluster: EtcdCluster | undefined;
  beforeAll(async () => {
    cluster = await EtcdCluster.start({ members: 3 });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('carries on when the etcd leader is killed during writes and a watch', async () => {
    if (cluster === undefined) throw new Error('etcd did not start');
    const issues: RegistryIssue[] = [];
    const registry = new EtcdRegistry({
      endpoints: cluster.endpoints,
      prefix: '/fleet-kill/',
      report: (i) => issues.push(i),
    });
    try {
      const lead = await registry.campaign('engine', 10);
      if (lead === undefined) throw new Error('not elected');
      const start = (await registry.listUnits()).revision;
      const events: UnitEvent[] = [];
      const w = registry.watchUnits(start, (e) => events.push(e));
      const names = Array.from({ length: 60 }, (_, i) => `u${String(i).padStart(2, '0')}.service`);
      // Four writers, each creating and assigning its units one after another; the etcd
      // leader is killed once 20 units are done, so writes and the watch are in flight.
      let done = 0;
      let started = 0;
      let killed: Promise<{ started: number; done: number }> | undefined;
      const writeOne = async (n: string): Promise<void> => {
        started++;
        await persist(async () => {
          try {
            return await registry.createUnit(unit(n));
          } catch (err) {
            // A create that committed before its connection died is found on retry.
            if (isRegistryError(err, 'REGISTRY_UNIT_EXISTS')) return;
            throw err;
          }
        });
        await persist(() =>
          registry.applyAssignments(lead.token, [
            {
              kind: 'schedule',
              machineId: 'm1',
              unit: n,
              hash: 'a'.repeat(40),
              desiredState: 'launched',
            },
          ]),
        );
        if (++done === 20)
          killed = cluster
            ?.leader()
            .then((m) => m.kill())
            .then(() => ({ started, done }));
      };
      const writes = [0, 1, 2, 3].map(async (k) => {
        for (const n of names.filter((_, i) => i % 4 === k)) await writeOne(n);
      });
      await Promise.all(writes);
      // The kill landed while writes were in flight: some had started and not finished when the
      // leader died, and some were still to come.
      const atKill = await killed;
      expect(atKill?.started).toBeGreaterThan(atKill?.done ?? Infinity);
      expect(atKill?.done).toBeLessThan(60);
      expect(cluster.members.filter((m) => m.running)).toHaveLength(2);
      const list = await persist(() => registry.listUnits());
      expect(list.items.map((u) => u.name)).toEqual(names);
      expect((await persist(() => registry.listAssignments('m1'))).items).toHaveLength(60);
      await waitFor(() => events.length >= 60, { timeoutMs: 30_000, what: 'all 60 watch events' });
      expect(events.every((e) => e.type === 'put')).toBe(true);
      expect(new Set(events.map((e) => (e.type === 'put' ? e.unit.name : ''))).size).toBe(60);
      const revs = events.map((e) => (e.type === 'put' ? BigInt(e.revision) : 0n));
      expect(revs.every((r, i) => i === 0 || r > (revs[i - 1] ?? 0n))).toBe(true);
      if (lead.isLeader()) {
        await persist(() => registry.applyAssignments(lead.token, []));
      }
      await w.close();
    } finally {
      await registry.close();
      for (const m of cluster.members) if (!m.running) m.start();
      await cluster.waitHealthy();
    }
  });
});

describe('on three etcd members, two of them down (no etcd leader)', () => {
  it("answers the API view's reads from the last member's own copy; other reads and writes fail, retryable", async () => {
    const cluster = await EtcdCluster.start({ members: 3 });
    const opts = { requestTimeoutMs: 1_000, retryBudgetMs: 4_000 };
    const registry = new EtcdRegistry({
      endpoints: cluster.endpoints,
      prefix: '/fleet-stale/',
      ...opts,
    });
    try {
      await registry.createUnit(unit('kept.service'));
      // The write is committed once two members have it; the member that stays must have applied
      // it too, or its own copy may lag behind. A linearizable read through it waits until it has.
      const last = new EtcdRegistry({
        endpoints: [cluster.members[0]?.clientUrl ?? ''],
        prefix: '/fleet-stale/',
        ...opts,
      });
      try {
        expect((await last.listUnits()).items.map((u) => u.name)).toEqual(['kept.service']);
      } finally {
        await last.close();
      }
      const view = (registry as EtcdRegistry).withStaleReads();
      for (const m of cluster.members.slice(1)) await m.kill();
      const names = (await view.listUnits()).items.map((u) => u.name);
      expect(names).toEqual(['kept.service']);
      expect(await view.getUnit('kept.service')).toMatchObject({ name: 'kept.service' });
      await expect(registry.listUnits()).rejects.toThrow(UnavailableError);
      await expect(view.createUnit(unit('new.service'))).rejects.toThrow(UnavailableError);
      await view.close(); // closes nothing: the registry still answers once etcd has a leader
      for (const m of cluster.members) if (!m.running) m.start();
      await cluster.waitHealthy();
      expect((await persist(() => registry.listUnits())).items.map((u) => u.name)).toEqual(names);
    } finally {
      await registry.close();
      await cluster.stop();
    }
  });
});

describe('with etcd unreachable', () => {
  it('fails with a retryable UnavailableError naming the endpoints, within its retry deadline', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    // A call retries until its budget is spent; the last attempt may then take its own timeout,
    // after a backoff of at most 1 s. That bound, with generous slack for a loaded host:
    const opts = { dialTimeoutMs: 1_000, requestTimeoutMs: 1_000, retryBudgetMs: 3_000 };
    const bound = 3 * (opts.retryBudgetMs + opts.requestTimeoutMs + 1_000);
    const registry = new EtcdRegistry({ endpoints: [endpoint], ...opts });
    try {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), bound);
      });
      const outcome = await Promise.race([registry.listUnits().catch((e: unknown) => e), deadline]);
      clearTimeout(timer);
      expect(outcome).toBeInstanceOf(UnavailableError);
      const err = outcome as UnavailableError;
      expect(err.retryable).toBe(true);
      expect(err.code).toBe('REGISTRY_UNAVAILABLE');
      expect(err.message).toContain(endpoint);
      expect(err.endpoints).toEqual([endpoint]);
    } finally {
      await registry.close();
    }
  });
});
