// Saying the same thing at most once per interval, on the injected clock.
// Once `@fleet/runtime` has its `rateLimited` (the loops' toolkit), import it from there instead:
// this one has the same signature.
import type { Clock } from '@fleet/runtime';

/**
 * `fn`, called at most once per `everyMs` of `clock`'s monotonic time: the first call goes
 * through, and the calls that follow within `everyMs` of it are dropped.
 */
export function rateLimited<A extends unknown[]>(
  clock: Clock,
  everyMs: number,
  fn: (...args: A) => void,
): (...args: A) => void {
  let last = -Infinity;
  return (...args) => {
    const now = clock.monotonic();
    if (now - last < everyMs) return;
    last = now;
    fn(...args);
  };
}
