// Time, injected: the registry reads the clock for lease fencing and arms timers for
// keepalives and expiry. Real code uses systemClock; tests and dev mode may use ManualClock.

/** A source of time and timers, in milliseconds. */
export interface Clock {
  /**
   * Wall-clock time (ms since the Unix epoch): for timestamps people read. It can jump either way
   * when NTP or an operator sets the clock, so never measure a duration or a deadline with it.
   */
  now(): number;
  /**
   * Monotonic time (ms since an arbitrary origin): for durations, deadlines and lease fencing.
   * It never jumps and never goes backwards; timers run on it.
   */
  monotonic(): number;
  /** Calls `fn` once after `delayMs`; returns a function that cancels it. Never keeps the process alive. */
  setTimer(delayMs: number, fn: () => void): () => void;
}

/** Wall-clock time, `performance.now()` as monotonic time, and real (unref'd) timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer(delayMs, fn) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return () => clearTimeout(t);
  },
};

interface PendingTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that moves only when told to. `advance(ms)` runs every timer that falls due on the
 * way, in time order, with the time set to each timer's due time while it runs. `now()` and
 * `monotonic()` move together, except that `stepWall(ms)` moves the wall clock alone, as an NTP
 * step does.
 */
export class ManualClock implements Clock {
  /** Monotonic time; timers are due on it. */
  private current: number;
  /** Wall clock minus monotonic time. */
  private wallOffset = 0;
  private seq = 0;
  private readonly timers = new Set<PendingTimer>();

  /** @param start - the initial value of `now()` and `monotonic()` (default 1,000,000 ms). */
  constructor(start = 1_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current + this.wallOffset;
  }

  monotonic(): number {
    return this.current;
  }

  /**
   * Sets the wall clock `ms` forward (or back, if negative) without time passing: `monotonic()`
   * and timers do not move, as when NTP steps the system clock.
   */
  stepWall(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError(`cannot step a wall clock by ${ms} ms`);
    this.wallOffset += ms;
  }

  setTimer(delayMs: number, fn: () => void): () => void {
    const timer: PendingTimer = { at: this.current + Math.max(0, delayMs), seq: this.seq++, fn };
    this.timers.add(timer);
    return () => {
      this.timers.delete(timer);
    };
  }

  /** Moves time forward by `ms`, firing due timers in order (timers they arm also fire if due). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot advance a clock by ${ms} ms`);
    const target = this.current + ms;
    for (let next = this.nextDue(target); next !== undefined; next = this.nextDue(target))
      this.fire(next);
    this.current = target;
  }

  /**
   * As {@link advance}, but lets pending promise callbacks run (one macrotask turn) before and
   * after each timer fires, so async work a timer starts finishes before the next one is due.
   */
  async tick(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`cannot advance a clock by ${ms} ms`);
    const target = this.current + ms;
    for (;;) {
      await nextTurn();
      const next = this.nextDue(target);
      if (next === undefined) break;
      this.fire(next);
    }
    this.current = target;
    await nextTurn();
  }

  /** Runs `timer` with the time set to its due time (never back). */
  private fire(timer: PendingTimer): void {
    this.timers.delete(timer);
    this.current = Math.max(this.current, timer.at);
    timer.fn();
  }

  /** The earliest timer due at or before `limit` (ties: the one set first). */
  private nextDue(limit: number): PendingTimer | undefined {
    let next: PendingTimer | undefined;
    for (const t of this.timers) {
      if (t.at > limit) continue;
      if (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq)) next = t;
    }
    return next;
  }

  /** How many timers are armed (for tests that check nothing is left behind). */
  get pendingTimers(): number {
    return this.timers.size;
  }
}

/** One macrotask turn: every promise callback queued before it has run. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
