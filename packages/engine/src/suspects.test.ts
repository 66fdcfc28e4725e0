import { ManualClock } from '@fleet/runtime';
import { describe, expect, it } from 'vitest';
import { EXPIRY_SLACK_MS, SuspectMachines } from './suspects.js';

describe('SuspectMachines', () => {
  const setup = () => {
    const clock = new ManualClock();
    return { clock, s: new SuspectMachines(clock, 30_000) };
  };

  it("ends a suspicion its record's TTL (and the slack) after the term began, not after the listing", () => {
    const { clock, s } = setup();
    s.suspect('m1');
    expect(s.has('m1')).toBe(true); // not listed yet: still suspect
    clock.advance(2_000);
    s.listed([{ id: 'm1', ttlSeconds: 5 }, { id: 'm2' }]);
    expect(s.nextEnd()).toBe(clock.monotonic() - 2_000 + 5_000 + EXPIRY_SLACK_MS);
    clock.advance(5_000 + EXPIRY_SLACK_MS - 2_000 - 1);
    expect(s.has('m1')).toBe(true);
    clock.advance(1);
    expect(s.has('m1')).toBe(false);
    expect(s.size).toBe(0);
    expect(s.nextEnd()).toBe(Infinity);
  });

  it('a re-listing does not lengthen it; a record without a TTL takes the fallback', () => {
    const { clock, s } = setup();
    const t0 = clock.monotonic();
    s.suspect('m1');
    s.listed([{ id: 'm1' }]);
    clock.advance(10_000);
    s.listed([{ id: 'm1', ttlSeconds: 300 }]);
    expect(s.nextEnd()).toBe(t0 + 30_000 + EXPIRY_SLACK_MS);
  });

  it('ends at once when its record is written or deleted, or missing from a listing', () => {
    const { s } = setup();
    s.suspect('m1');
    s.seen('m1');
    expect(s.has('m1')).toBe(false);
    s.suspect('m2');
    s.listed([{ id: 'm1', ttlSeconds: 5 }]);
    expect(s.has('m2')).toBe(false);
    expect(s.has('m3')).toBe(false);
  });

  it('decides once per term which machine died alone: not the last one back after an outage', () => {
    const { s } = setup();
    s.suspect('m1');
    // After an outage: at the term's first snapshot two machines are unregistered, then m2 comes
    // back first. m1, the previous leader's, is then the only one unseen, but it did not die alone.
    expect(s.diedAlone(['m1', 'm2'])).toBeUndefined();
    expect(s.diedAlone(['m1'])).toBeUndefined();
    // A new term whose first snapshot misses only the previous leader's machine: it died alone.
    s.suspect('m1');
    expect(s.diedAlone(['m1'])).toBe('m1');
    expect(s.diedAlone(['m1'])).toBe('m1');
    s.suspect('m3');
    expect(s.diedAlone([])).toBeUndefined();
    expect(s.diedAlone(['m3'])).toBeUndefined();
  });
});
