// Saying a repeated thing once in a while: an outage that fails every call is logged once per
// period, not once per call. Measured on the monotonic clock, so an NTP step neither silences
// nor floods it.
import type { Clock } from './clock.js';

/**
 * Wraps `fn` so that it runs at most once per `everyMs` of monotonic time: the first call runs,
 * later calls within `everyMs` of the last run are dropped. Returns whether this call ran.
 */
export function rateLimited<A extends unknown[]>(
  clock: Clock,
  everyMs: number,
  fn: (...args: A) => void,
): (...args: A) => boolean {
  let last = -Infinity;
  return (...args: A): boolean => {
    const now = clock.monotonic();
    if (now - last < everyMs) return false;
    last = now;
    fn(...args);
    return true;
  };
}
