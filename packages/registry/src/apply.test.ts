// applyUnits where only a wrapped store can take it: a concurrent change between two batches, and
// a batch etcd applied whose answer was lost (the retry finds the epoch moved by itself).
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryRegistry } from './inmemory-registry.js';
import type { KvTxn, KvTxnResult } from './kv/kv.js';
import { coreOf } from './testing/contract/raw.js';
import { unit } from './testing/index.js';

let registry: InMemoryRegistry | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

/** Whether a transaction is an apply's batch (it puts the epoch with an apply's mark). */
const isApplyBatch = (t: KvTxn) =>
  t.success.some((op) => op.type === 'put' && op.value.startsWith('apply '));

/** Runs `after(original result)` in place of each apply batch's answer. */
function wrapTxn(
  r: InMemoryRegistry,
  after: (txn: KvTxn, res: KvTxnResult, batch: number) => Promise<KvTxnResult>,
): void {
  const kv = coreOf(r).kv;
  const txn = kv.txn.bind(kv);
  let batch = 0;
  kv.txn = async (t) => {
    const res = await txn(t);
    return isApplyBatch(t) ? after(t, res, batch++) : res;
  };
}

const names = Array.from({ length: 60 }, (_, i) => `web@${String(i).padStart(2, '0')}.service`);

describe('applyUnits in batches', () => {
  it('stops at a concurrent change between batches and says how many were written', async () => {
    const r = (registry = new InMemoryRegistry());
    wrapTxn(r, async (_t, res, batch) => {
      if (batch === 0) await r.createUnit(unit('intruder.service'));
      return res;
    });
    const err = await r.applyUnits({ create: names.map((n) => unit(n)) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REGISTRY_CONFLICT' });
    expect((err as Error).message).toMatch(/: 1 of [2-9] were written; plan and apply again$/);
    const listed = (await r.listUnits()).items.map((u) => u.name);
    expect(listed).toContain('intruder.service');
    expect(listed.length).toBeGreaterThan(1);
    expect(listed.length).toBeLessThan(names.length + 1);
  });

  it('recognises its own batch when the answer was lost and the retry found the epoch moved', async () => {
    const r = (registry = new InMemoryRegistry());
    const kv = coreOf(r).kv;
    const txn = kv.txn.bind(kv);
    // Applied, then "retried": the second try fails its guard, as after a lost answer.
    wrapTxn(r, async (t) => ({ ...(await txn(t)), retried: true }));
    const res = await r.applyUnits({ create: names.map((n) => unit(n)), checkRevision: '0' });
    expect(res.batches).toBeGreaterThan(1);
    expect(res.revision).toBe(await r.unitEpoch());
    expect((await r.listUnits()).items.map((u) => u.name)).toEqual(names);
  });

  it('packs batches up to the op limit, counting a shared content once', async () => {
    const r = (registry = new InMemoryRegistry());
    const sizes: number[] = [];
    wrapTxn(r, async (t, res) => {
      sizes.push(t.success.length);
      return res;
    });
    // 90 instances of one template: 2 ops each, plus the content once and the epoch per batch.
    const res = await r.applyUnits({
      create: names
        .concat(names.map((n) => `x${n}`))
        .slice(0, 90)
        .map((n) => unit(n, 'same')),
    });
    expect(res.batches).toBe(2);
    expect(sizes).toEqual([100, 2 * 41 + 2]);
  });
});
