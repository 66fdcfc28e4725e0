// The Kv contract: the etcd semantics the registry relies on, checked against MemoryKv and
// against a real etcd, so that the in-memory store cannot drift from etcd.
import { waitFor } from '@fleet/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prefixEnd } from '../keys.js';
import type { Kv, KvEvent, KvOp } from '../kv/kv.js';

/** A fresh store and a key prefix nobody else uses. */
export interface KvHarness {
  readonly kv: Kv;
  readonly prefix: string;
  close(): Promise<void>;
}

const code = async (p: Promise<unknown>): Promise<string | undefined> =>
  p.then(
    () => undefined,
    (e: unknown) => (e as { code?: string }).code,
  );

/** Declares the Kv contract for one implementation. */
export function kvContract(name: string, factory: () => Promise<KvHarness>): void {
  describe(`Kv contract: ${name}`, () => {
    let h: KvHarness;
    let k: (s: string) => string;
    const put = (key: string, value = 'v', lease?: bigint): KvOp => ({
      type: 'put',
      key: k(key),
      value,
      ...(lease === undefined ? {} : { lease }),
    });
    beforeEach(async () => {
      h = await factory();
      k = (s) => h.prefix + s;
    });
    afterEach(async () => {
      await h.close();
    });

    it('moves the revision once per writing transaction, and not for a no-op', async () => {
      const a = await h.kv.txn({ compare: [], success: [put('a'), put('b')], failure: [] });
      const noop = await h.kv.txn({
        compare: [],
        success: [{ type: 'delete', key: k('missing') }],
        failure: [],
      });
      expect(noop.revision).toBe(a.revision);
      const b = await h.kv.txn({ compare: [], success: [put('a', 'w')], failure: [] });
      expect(b.revision).toBe(a.revision + 1n);
      const { kvs } = await h.kv.range({ key: k('a') });
      expect(kvs[0]).toMatchObject({
        value: 'w',
        createRevision: a.revision,
        modRevision: b.revision,
        version: 2n,
        lease: 0n,
      });
    });

    it('compares keys and key ranges, and nested compares see the state before the txn', async () => {
      await h.kv.txn({ compare: [], success: [put('r/1'), put('r/3')], failure: [] });
      const absent = { key: k('r/2'), target: 'create', op: '==', value: 0n } as const;
      const emptyRange = { ...absent, key: k('r/2'), rangeEnd: k('r/3') };
      const fullRange = { ...absent, key: k('r/'), rangeEnd: prefixEnd(k('r/')) };
      const res = await h.kv.txn({
        compare: [absent, emptyRange],
        success: [
          put('r/2'),
          {
            type: 'txn',
            txn: { compare: [absent], success: [put('saw-absent')], failure: [] },
          },
          { type: 'txn', txn: { compare: [fullRange], success: [put('never')], failure: [] } },
        ],
        failure: [],
      });
      expect(res.succeeded).toBe(true);
      expect(res.results.map((r) => (r.type === 'txn' ? r.succeeded : r.type))).toEqual([
        'put',
        true,
        false,
      ]);
      const value = await h.kv.txn({
        compare: [{ key: k('r/1'), target: 'value', op: '==', value: 'v' }],
        success: [],
        failure: [{ type: 'range', key: k('saw-absent') }],
      });
      expect(value.succeeded).toBe(true);
      expect((await h.kv.range({ key: k('never') })).kvs).toEqual([]);
    });

    it('rejects duplicate keys, too many ops and oversize requests, writing nothing', async () => {
      const before = await h.kv.range({ key: k(''), rangeEnd: prefixEnd(k('')) });
      expect(
        await code(h.kv.txn({ compare: [], success: [put('d'), put('d')], failure: [] })),
      ).toBe('REGISTRY_STORE_REJECTED');
      const nested: KvOp = { type: 'txn', txn: { compare: [], success: [put('d')], failure: [] } };
      expect(await code(h.kv.txn({ compare: [], success: [put('d'), nested], failure: [] }))).toBe(
        'REGISTRY_STORE_REJECTED',
      );
      const many = Array.from({ length: 129 }, (_, i) => put(`m${i}`));
      expect(await code(h.kv.txn({ compare: [], success: many, failure: [] }))).toBe(
        'REGISTRY_STORE_REJECTED',
      );
      const big = put('big', 'x'.repeat(1_600_000));
      expect(await code(h.kv.txn({ compare: [], success: [big], failure: [] }))).toBe(
        'REGISTRY_STORE_REJECTED',
      );
      const after = await h.kv.range({ key: k(''), rangeEnd: prefixEnd(k('')) });
      expect(after.kvs).toEqual(before.kvs);
    });

    it('refuses a put under an unknown lease', async () => {
      const lease = await h.kv.grantLease(2);
      await lease.revoke();
      expect(lease.lost.aborted).toBe(true);
      expect(
        await code(h.kv.txn({ compare: [], success: [put('l', 'v', lease.id)], failure: [] })),
      ).toBe('REGISTRY_LEASE_EXPIRED');
    });

    it("deletes all of a revoked lease's keys in one revision", async () => {
      const lease = await h.kv.grantLease(10);
      const res = await h.kv.txn({
        compare: [],
        success: [put('x/1', 'v', lease.id), put('x/2', 'v', lease.id), put('x/3')],
        failure: [],
      });
      const events: KvEvent[] = [];
      const w = h.kv.watch(k('x/'), prefixEnd(k('x/')), res.revision, {
        events: (e) => events.push(...e),
        resync: () => {},
      });
      await lease.revoke();
      await waitFor(() => events.length >= 2, { timeoutMs: 10_000, what: 'two deletes' });
      expect(events.map((e) => e.type)).toEqual(['delete', 'delete']);
      const revs = new Set(events.map((e) => (e.type === 'delete' ? e.modRevision : 0n)));
      expect(revs.size).toBe(1);
      expect((await h.kv.range({ key: k('x/'), rangeEnd: prefixEnd(k('x/')) })).kvs).toHaveLength(
        1,
      );
      await w.close();
    });

    it('reads pages at a revision, and refuses revisions compacted away', async () => {
      const first = await h.kv.txn({
        compare: [],
        success: [put('p/1'), put('p/2'), put('p/3')],
        failure: [],
      });
      await h.kv.txn({ compare: [], success: [{ type: 'delete', key: k('p/2') }], failure: [] });
      const page = await h.kv.range({ key: k('p/'), rangeEnd: prefixEnd(k('p/')), limit: 1 });
      expect(page.kvs.map((x) => x.key)).toEqual([k('p/1')]);
      expect(page.more).toBe(true);
      const old = await h.kv.range({
        key: k('p/'),
        rangeEnd: prefixEnd(k('p/')),
        revision: first.revision,
      });
      expect(old.kvs).toHaveLength(3);
      await h.kv.compact(page.revision);
      expect(
        await code(
          h.kv.range({ key: k('p/'), rangeEnd: prefixEnd(k('p/')), revision: first.revision - 1n }),
        ),
      ).toBe('REGISTRY_COMPACTED');
      const resyncs: string[] = [];
      const w = h.kv.watch(k('p/'), prefixEnd(k('p/')), first.revision - 2n, {
        events: () => {},
        resync: (r) => resyncs.push(r),
      });
      await waitFor(() => resyncs.length === 1, { timeoutMs: 10_000, what: 'a resync' });
      await w.close();
    });
  });
}
