// Test helpers for loops on a ManualClock (the `@fleet/runtime/testing` subpath, never the main
// entry): move the clock in steps, letting the promise chains each step starts settle.
import type { ManualClock } from '../clock.js';

/** Lets pending promise callbacks and I/O callbacks run (`rounds` macrotask turns). */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Advances the clock by `ms` in steps of `stepMs`, settling after each step. */
export async function advanceBy(clock: ManualClock, ms: number, stepMs = 10): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    clock.advance(stepMs);
    await settle();
  }
}

/** Options of {@link advanceUntil}. */
export interface AdvanceUntilOptions {
  /** Clock time per step (default 5 ms). */
  readonly stepMs?: number;
  /** Gives up after this much clock time (default 60 s). */
  readonly maxMs?: number;
  /** What is waited for, for the error (default "a condition"). */
  readonly what?: string;
}

/**
 * Advances the clock in `stepMs` steps, settling after each, until `probe()` holds; returns the
 * monotonic clock time it took. Throws after `maxMs` of clock time, naming `what`.
 */
export async function advanceUntil(
  clock: ManualClock,
  probe: () => boolean | Promise<boolean>,
  { stepMs = 5, maxMs = 60_000, what = 'a condition' }: AdvanceUntilOptions = {},
): Promise<number> {
  const start = clock.monotonic();
  await settle();
  while (!(await probe())) {
    if (clock.monotonic() - start > maxMs)
      throw new Error(`${what} did not happen within ${maxMs} ms of clock time`);
    clock.advance(stepMs);
    await settle();
  }
  return clock.monotonic() - start;
}
