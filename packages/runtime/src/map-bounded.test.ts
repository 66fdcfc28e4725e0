import { describe, expect, it } from 'vitest';
import { mapBounded } from './map-bounded.js';

describe('mapBounded', () => {
  it('keeps at most `limit` calls pending, starts them in order, answers in the order given', async () => {
    let pending = 0;
    let most = 0;
    const started: number[] = [];
    const out = await mapBounded([5, 1, 4, 2, 3, 0, 6], 3, async (x, i) => {
      started.push(i);
      most = Math.max(most, ++pending);
      for (let k = 0; k < x; k++) await Promise.resolve(); // finish out of order
      pending--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0, 60]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(most).toBe(3);
  });

  it('runs one at a time for a limit below 1, and nothing for no items', async () => {
    let most = 0;
    let pending = 0;
    await mapBounded([1, 2, 3], 0, async () => {
      most = Math.max(most, ++pending);
      await Promise.resolve();
      pending--;
    });
    expect(most).toBe(1);
    expect(await mapBounded([], 4, () => Promise.reject(new Error('never called')))).toEqual([]);
  });
});
