import { ManualClock } from '@fleet/runtime';
import { describe, expect, it } from 'vitest';
import { rateLimited } from './rate-limit.js';

describe('rateLimited', () => {
  it('passes the first call and then one per interval of the injected clock', () => {
    const clock = new ManualClock();
    const said: number[] = [];
    const say = rateLimited(clock, 60_000, (n: number) => said.push(n));
    say(1);
    say(2);
    clock.advance(59_999);
    say(3);
    clock.advance(1);
    say(4);
    say(5);
    clock.advance(120_000);
    say(6);
    expect(said).toEqual([1, 4, 6]);
  });
});
