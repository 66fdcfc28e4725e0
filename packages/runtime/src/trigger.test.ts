import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { sleep, Trigger } from './trigger.js';
import { settle } from './testing/index.js';

/** Whether `p` has resolved (after letting callbacks run). */
async function done(p: Promise<unknown>): Promise<boolean> {
  let resolved = false;
  void p.then(() => (resolved = true));
  await settle();
  return resolved;
}

describe('Trigger', () => {
  it('wait(ms) resolves after ms when nothing happens', async () => {
    const clock = new ManualClock();
    const t = new Trigger(clock, 20);
    const w = t.wait(1_000);
    clock.advance(999);
    expect(await done(w)).toBe(false);
    clock.advance(1);
    expect(await done(w)).toBe(true);
  });

  it('poke() wakes the waiter after the debounce, once for a burst', async () => {
    const clock = new ManualClock();
    const t = new Trigger(clock, 20);
    const w = t.wait(1_000);
    t.poke();
    clock.advance(10);
    t.poke(); // joins the due poke
    expect(t.due).toBe(true);
    clock.advance(9);
    expect(await done(w)).toBe(false);
    clock.advance(1);
    expect(await done(w)).toBe(true);
    expect(t.due).toBe(false);
    // The burst fired once: the next wait runs its whole time.
    const next = t.wait(1_000);
    clock.advance(500);
    expect(await done(next)).toBe(false);
    t.cancel();
  });

  it('fire() wakes at once and takes a due poke with it', async () => {
    const clock = new ManualClock();
    const t = new Trigger(clock, 20);
    const w = t.wait(1_000);
    t.poke();
    t.fire();
    expect(await done(w)).toBe(true);
    expect(clock.pendingTimers).toBe(0); // neither the debounce nor the wait's timer is left
  });

  it('remembers a wake while nobody waits: the next wait returns at once, only once', async () => {
    const clock = new ManualClock();
    const t = new Trigger(clock, 20);
    t.poke();
    clock.advance(20); // fires while the loop is busy
    expect(await done(t.wait(1_000))).toBe(true);
    const again = t.wait(1_000);
    expect(await done(again)).toBe(false);
    t.fire();
    expect(await done(again)).toBe(true);
  });

  it('wait() without a time waits only for a wake', async () => {
    const clock = new ManualClock();
    const t = new Trigger(clock);
    const w = t.wait();
    expect(clock.pendingTimers).toBe(0);
    clock.advance(3_600_000);
    expect(await done(w)).toBe(false);
    t.poke(); // debounce 0: fires on the next clock step
    clock.advance(0);
    expect(await done(w)).toBe(true);
  });
});

describe('sleep', () => {
  it('resolves after ms on the clock, or at once on abort, leaving no timer', async () => {
    const clock = new ManualClock();
    const s = sleep(clock, 100);
    clock.advance(99);
    expect(await done(s)).toBe(false);
    clock.advance(1);
    expect(await done(s)).toBe(true);
    const abort = new AbortController();
    const cut = sleep(clock, 100, abort.signal);
    abort.abort();
    expect(await done(cut)).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    expect(await done(sleep(clock, 100, abort.signal))).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });
});
