import { describe, expect, it } from 'vitest';
import { backoff, jittered, seededRandom } from './backoff.js';
import { ManualClock } from './clock.js';
import { rateLimited } from './rate-limit.js';

describe('backoff', () => {
  const policy = { initialMs: 1_000, maxMs: 30_000 };

  it('doubles from initialMs up to maxMs, exactly without jitter', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoff(n, policy))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000,
    ]);
    expect(backoff(0, policy)).toBe(1_000); // no failure yet counts as the first
  });

  it.each([
    [0, 800],
    [0.5, 1_000],
    [0.999, 1_200],
  ])('±20 %% jitter with random %s gives %s ms for 1 s', (r, ms) => {
    expect(backoff(1, { ...policy, jitter: 0.2 }, () => r)).toBe(ms);
  });

  it('full jitter draws from [0, d), after the cap', () => {
    expect(backoff(10, { ...policy, jitter: 'full' }, () => 0.5)).toBe(15_000);
    expect(backoff(10, { ...policy, jitter: 'full' }, () => 0)).toBe(0);
  });

  it('spreads machines that failed together (different draws, different delays)', () => {
    const draws = [0.1, 0.4, 0.7, 0.95];
    const delays = draws.map((r) => backoff(3, { ...policy, jitter: 0.2 }, () => r));
    expect(new Set(delays).size).toBe(draws.length);
    for (const d of delays) expect(d >= 3_200 && d < 4_800).toBe(true);
  });

  it('jittered() leaves a delay alone without jitter', () => {
    expect(jittered(300_000, undefined, () => 0)).toBe(300_000);
    expect(jittered(300_000, 0.2, () => 0.5)).toBe(300_000);
  });
});

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

  it('runs at most once per period of monotonic time; a wall-clock step changes nothing', () => {
    const clock = new ManualClock();
    const said: string[] = [];
    const say = rateLimited(clock, 10_000, (s: string) => said.push(s));
    expect(say('a')).toBe(true);
    clock.advance(9_999);
    expect(say('b')).toBe(false);
    clock.stepWall(3_600_000);
    expect(say('c')).toBe(false);
    clock.advance(1);
    expect(say('d')).toBe(true);
    clock.stepWall(-7_200_000);
    expect(say('e')).toBe(false);
    expect(said).toEqual(['a', 'd']);
  });
});

describe('seededRandom', () => {
  it('is reproducible per seed, differs between seeds, and stays in [0, 1)', () => {
    const draw = (seed: string) => {
      const r = seededRandom(seed);
      return Array.from({ length: 1_000 }, () => r());
    };
    const a = draw('a1000000000000000000000000000001');
    expect(draw('a1000000000000000000000000000001')).toEqual(a);
    expect(draw('b2000000000000000000000000000002')).not.toEqual(a);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = a.reduce((s, x) => s + x, 0) / a.length;
    expect(mean > 0.4 && mean < 0.6).toBe(true);
  });
});
