import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';

describe('ManualClock', () => {
  it('fires due timers in time order, including ones set while advancing', () => {
    const clock = new ManualClock(100);
    const fired: string[] = [];
    clock.setTimer(20, () => fired.push(`b@${clock.now()}`));
    clock.setTimer(10, () => {
      fired.push(`a@${clock.now()}`);
      clock.setTimer(5, () => fired.push(`c@${clock.now()}`));
    });
    const cancel = clock.setTimer(15, () => fired.push('never'));
    cancel();
    clock.advance(30);
    expect(fired).toEqual(['a@110', 'c@115', 'b@120']);
    expect(clock.now()).toBe(130);
    expect(clock.pendingTimers).toBe(0);
  });

  it('tick() lets promise chains started by a timer settle before the next one fires', async () => {
    const clock = new ManualClock();
    const log: string[] = [];
    clock.setTimer(1, () => {
      void Promise.resolve()
        .then(() => undefined)
        .then(() => log.push('chain'));
    });
    clock.setTimer(2, () => log.push('second'));
    await clock.tick(2);
    expect(log).toEqual(['chain', 'second']);
  });

  it('refuses to go backwards', () => {
    expect(() => new ManualClock().advance(-1)).toThrow(RangeError);
  });

  it('stepWall() moves only the wall clock: monotonic time and timers stay put', () => {
    const clock = new ManualClock(1_000);
    let fired = 0;
    clock.setTimer(100, () => fired++);
    clock.stepWall(3_600_000);
    expect([clock.now(), clock.monotonic(), fired]).toEqual([3_601_000, 1_000, 0]);
    clock.stepWall(-7_200_000);
    clock.advance(100);
    expect([clock.now(), clock.monotonic(), fired]).toEqual([-3_598_900, 1_100, 1]);
  });
});
