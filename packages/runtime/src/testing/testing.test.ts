import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { advanceBy, advanceUntil } from './index.js';

describe('advanceUntil', () => {
  it('steps the clock until the probe holds, letting async work settle, and returns the time', async () => {
    const clock = new ManualClock();
    let ready = false;
    clock.setTimer(42, () => void Promise.resolve().then(() => (ready = true)));
    expect(await advanceUntil(clock, () => ready, { stepMs: 5 })).toBe(45);
  });

  it('names what did not happen', async () => {
    const clock = new ManualClock();
    await expect(
      advanceUntil(clock, () => false, { maxMs: 100, stepMs: 50, what: 'the leader' }),
    ).rejects.toThrow('the leader did not happen within 100 ms of clock time');
  });

  it('advanceBy moves the clock by exactly ms', async () => {
    const clock = new ManualClock(0);
    await advanceBy(clock, 1_000, 100);
    expect(clock.monotonic()).toBe(1_000);
  });
});
