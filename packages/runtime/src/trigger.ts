// The loops' wake-up: a loop waits on its Trigger for an interval, and is woken early by work
// (`poke`, debounced so that a burst of events is handled once) or at once (`fire`). A wake that
// comes while the loop is busy is kept, so the loop's next wait returns at once.
import type { Clock } from './clock.js';

/**
 * Wakes a loop: `poke()` after a short debounce, `fire()` at once; `wait(ms)` resolves on either,
 * or after `ms` (never, if `ms` is undefined). A poke or fire while nobody waits is remembered: the
 * next `wait` returns at once.
 */
export class Trigger {
  private wake: (() => void) | undefined;
  private pending = false;
  private cancelDebounce: (() => void) | undefined;
  private cancelWait: (() => void) | undefined;

  /** @param debounceMs - how long `poke()` waits before it fires (pokes meanwhile join it). */
  constructor(
    private readonly clock: Clock,
    private readonly debounceMs = 0,
  ) {}

  /** Fires after the debounce; a poke while one is due joins it. */
  poke(): void {
    if (this.cancelDebounce !== undefined) return;
    this.cancelDebounce = this.clock.setTimer(this.debounceMs, () => {
      this.cancelDebounce = undefined;
      this.fire();
    });
  }

  /** Whether a debounced poke is due (armed, not fired yet). */
  get due(): boolean {
    return this.cancelDebounce !== undefined;
  }

  /** Wakes the waiter now (or the next `wait`, if nobody waits); a due poke is fired with it. */
  fire(): void {
    this.cancelDebounce?.();
    this.cancelDebounce = undefined;
    this.pending = true;
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Resolves on the next fire (or a pending one, at once), or after `ms`. */
  wait(ms?: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      if (ms !== undefined) this.cancelWait = this.clock.setTimer(ms, () => this.fire());
      this.wake = () => {
        this.pending = false;
        this.cancelWait?.();
        this.cancelWait = undefined;
        resolve();
      };
    });
  }

  /** Disarms the debounce and the wait's timer (a waiter is not resolved: fire() does that). */
  cancel(): void {
    this.cancelDebounce?.();
    this.cancelWait?.();
    this.cancelDebounce = this.cancelWait = undefined;
  }
}

/** Resolves after `ms` on `clock`, or at once when `signal` aborts (never rejects). */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const cancel = clock.setTimer(ms, done);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
