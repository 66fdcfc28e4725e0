import { ManualClock } from '@fleet/runtime';
import { describe, expect, it } from 'vitest';
import { ListingCache, MAX_LISTING_ITEMS } from './listing-cache.js';

/** A read that counts its calls and answers `value()` when `release()` is called. */
function gatedRead<T>(value: () => T) {
  const pending: { resolve: (v: T) => void; reject: (e: Error) => void }[] = [];
  return {
    calls: 0,
    read(): Promise<T> {
      this.calls++;
      return new Promise<T>((resolve, reject) => pending.push({ resolve, reject }));
    },
    release(): void {
      for (const p of pending.splice(0)) p.resolve(value());
    },
    fail(err: Error): void {
      for (const p of pending.splice(0)) p.reject(err);
    },
  };
}

/** A read that counts its calls and answers at once with the call number. */
function countingRead() {
  const r = {
    calls: 0,
    read: (): Promise<number> => Promise.resolve(++r.calls),
  };
  return r;
}

describe('ListingCache', () => {
  it('reads for every first page, and cuts later pages from the newest listing', async () => {
    const cache = new ListingCache(5_000, new ManualClock());
    const r = countingRead();
    expect(await cache.get('units', true, r.read)).toBe(1);
    expect(await cache.get('units', false, r.read)).toBe(1);
    expect(await cache.get('units', false, r.read)).toBe(1);
    expect(await cache.get('units', true, r.read)).toBe(2);
    expect(await cache.get('units', false, r.read)).toBe(2);
    expect(r.calls).toBe(2);
  });

  it('reads for a later page when nothing is kept (a stateless server would)', async () => {
    const cache = new ListingCache(5_000, new ManualClock());
    const r = countingRead();
    expect(await cache.get('units', false, r.read)).toBe(1);
    expect(await cache.get('units', false, r.read)).toBe(1);
    expect(r.calls).toBe(1);
  });

  it('shares one read in flight among concurrent later pages', async () => {
    const cache = new ListingCache(5_000, new ManualClock());
    let n = 0;
    const r = gatedRead(() => ++n);
    const first = cache.get('units', true, () => r.read());
    const later = [2, 3, 4].map(() => cache.get('units', false, () => r.read()));
    r.release();
    expect(await Promise.all([first, ...later])).toEqual([1, 1, 1, 1]);
    expect(r.calls).toBe(1);
  });

  it("serves later pages from the newest first page's read, even in flight", async () => {
    const cache = new ListingCache(5_000, new ManualClock());
    let n = 0;
    const r = gatedRead(() => ++n);
    const a = cache.get('units', true, () => r.read());
    const b = cache.get('units', true, () => r.read()); // a newer walk's first page
    const later = cache.get('units', false, () => r.read());
    r.release();
    expect(await Promise.all([a, b, later])).toEqual([1, 2, 2]);
    expect(r.calls).toBe(2);
  });

  it('keeps a listing for maxAgeMs after its read finished, then reads again', async () => {
    const clock = new ManualClock();
    const cache = new ListingCache(1_000, clock);
    const r = countingRead();
    await cache.get('units', true, r.read);
    clock.advance(999);
    expect(await cache.get('units', false, r.read)).toBe(1);
    expect(cache.size).toBe(1);
    clock.advance(1);
    expect(cache.size).toBe(0); // dropped by its timer: nothing is held once it has expired
    expect(await cache.get('units', false, r.read)).toBe(2);
    expect(r.calls).toBe(2);
  });

  it('does not keep a failed read', async () => {
    const cache = new ListingCache(5_000, new ManualClock());
    const r = gatedRead(() => 7);
    const first = cache.get('units', true, () => r.read());
    const later = cache.get('units', false, () => r.read());
    r.fail(new Error('etcd is down'));
    await expect(first).rejects.toThrow('etcd is down');
    await expect(later).rejects.toThrow('etcd is down');
    expect(cache.size).toBe(0);
    const again = cache.get('units', false, () => r.read());
    r.release();
    expect(await again).toBe(7);
    expect(r.calls).toBe(2);
  });

  it('forgets everything after a write, whether it succeeded or failed', async () => {
    const cache = new ListingCache(5_000, new ManualClock());
    const r = countingRead();
    await cache.get('units', true, r.read);
    await cache.get('machines', true, r.read);
    expect(await cache.afterWrite(() => Promise.resolve('written'))).toBe('written');
    expect(cache.size).toBe(0);
    expect(await cache.get('units', false, r.read)).toBe(3);
    await expect(cache.afterWrite(() => Promise.reject(new Error('refused')))).rejects.toThrow(
      'refused',
    );
    expect(cache.size).toBe(0);
  });

  it('keeps one listing per key, and at most 32', async () => {
    const cache = new ListingCache(5_000, new ManualClock());
    const r = countingRead();
    expect(await cache.get('a', true, r.read)).toBe(1);
    expect(await cache.get('b', true, r.read)).toBe(2);
    expect(await cache.get('a', false, r.read)).toBe(1);
    expect(await cache.get('b', false, r.read)).toBe(2);
    for (let i = 0; i < 40; i++) await cache.get(`k${i}`, true, r.read);
    expect(cache.size).toBe(32);
    expect(await cache.get('a', false, r.read)).toBe(43); // evicted: read again
  });

  it('with maxAgeMs 0 reads for every page, as fleet did', async () => {
    const cache = new ListingCache(0, new ManualClock());
    const r = countingRead();
    await cache.get('units', true, r.read);
    await cache.get('units', false, r.read);
    await cache.get('units', false, r.read);
    expect(r.calls).toBe(3);
    expect(cache.size).toBe(0);
  });

  it('bounds the items all kept listings hold, however many filters clients page with', async () => {
    const clock = new ManualClock();
    const cache = new ListingCache(5_000, clock);
    const listing = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `u${i}` }));
    // A client pages through states with 30 different filters, each matching 10,000 items.
    for (let f = 0; f < 30; f++) {
      await cache.get(`state\u0000m${f}\u0000`, true, () => Promise.resolve(listing(10_000)));
      expect(cache.items).toBeLessThanOrEqual(MAX_LISTING_ITEMS);
    }
    expect(cache.size).toBe(MAX_LISTING_ITEMS / 10_000);
    // The newest listings are the ones kept: a walk in progress still reads no more.
    const r = countingRead();
    await cache.get('state\u0000m29\u0000', false, r.read);
    expect(r.calls).toBe(0);
    // A units listing counts its units, assignments and states; one larger than the whole budget
    // is kept alone for the walk that read it.
    await cache.get('units', true, () =>
      Promise.resolve({
        units: listing(60_000),
        assigned: new Map([['a', 1]]),
        published: new Map(),
      }),
    );
    await cache.get('machines', true, () => Promise.resolve(listing(MAX_LISTING_ITEMS)));
    expect([cache.size, cache.items]).toEqual([1, MAX_LISTING_ITEMS]);
    clock.advance(5_001);
    expect([cache.size, cache.items]).toEqual([0, 0]);
  });
});
