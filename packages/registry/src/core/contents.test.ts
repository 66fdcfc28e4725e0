// The content cache is bounded by bytes, and reads that bypass it do not fill it (review F11).
import { ManualClock } from '@fleet/runtime';
import type { UnitOption } from '@fleet/unit';
import { describe, expect, it } from 'vitest';
import { unit } from '../testing/index.js';
import { Keys } from '../keys.js';
import { MemoryKv } from '../kv/memory-kv.js';
import { ContentCache, DEFAULT_CONTENT_CACHE_BYTES, optionsBytes } from './content-cache.js';
import { fetchContents } from './contents.js';
import { Core, DEFAULT_LIMITS } from './core.js';
import { createUnit } from './units.js';

const large = (i: number): UnitOption[] => [
  { section: 'Service', name: 'ExecStart', value: `/bin/true ${i}` },
  { section: 'Service', name: 'Environment', value: `X=${'x'.repeat(100 * 1024)}` },
];

describe('ContentCache', () => {
  it('holds at most its byte budget however many large contents pass through it', () => {
    const cache = new ContentCache();
    const n = 2_000; // about 400 MiB of contents in all
    for (let i = 0; i < n; i++) cache.set(`h${i}`, large(i));
    let held = 0;
    let entries = 0;
    for (let i = 0; i < n; i++) {
      const o = cache.get(`h${i}`);
      if (o === undefined) continue;
      entries++;
      held += optionsBytes(o);
    }
    expect(held).toBeLessThanOrEqual(DEFAULT_CONTENT_CACHE_BYTES);
    expect(held).toBe(cache.bytes);
    expect(entries).toBeGreaterThan(100); // it still caches: only the oldest went
    expect(cache.get(`h${n - 1}`)).toEqual(large(n - 1));
    expect(cache.get('h0')).toBeUndefined();
  });

  it('keeps nothing larger than the whole budget, and evicts least recently used first', () => {
    const one = optionsBytes(large(0));
    const cache = new ContentCache(2 * one);
    cache.set('a', large(1));
    cache.set('b', large(2));
    cache.get('a'); // a is now the most recently used
    cache.set('c', large(3));
    expect([cache.get('a') !== undefined, cache.get('b') !== undefined]).toEqual([true, false]);
    const tiny = new ContentCache(one - 1);
    tiny.set('x', large(0));
    expect([tiny.size, tiny.bytes]).toEqual([0, 0]);
  });
});

describe('fetchContents', () => {
  it('does not fill the cache on reads that bypass it (agents, the API)', async () => {
    const kv = new MemoryKv({ clock: new ManualClock() });
    const writer = new Core(kv, new Keys(), DEFAULT_LIMITS, () => {});
    const hashes: string[] = [];
    for (let i = 0; i < 50; i++)
      hashes.push((await createUnit(writer, unit(`u${i}.service`))).hash);
    // Another fleetd reads every content the way an agent or `list-unit-files` does.
    const reader = new Core(kv, new Keys(), DEFAULT_LIMITS, () => {});
    const got = await fetchContents(reader, hashes, undefined, false);
    expect(got.size).toBe(50);
    expect(reader.contents.size).toBe(0);
    // The cached path (the engine's snapshot) does fill it.
    await fetchContents(reader, hashes);
    expect(reader.contents.size).toBe(50);
    await kv.close();
  });
});
