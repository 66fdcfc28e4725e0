// A deadline as a promise: what every D-Bus call races against, since dbus-next has none.
import type { Clock } from '@fleet/runtime';
import type { SystemdError } from '../errors.js';

/** A promise that rejects when the time is up, unless cancelled first. */
export interface Deadline {
  /** Rejects with the error from `onExpiry` when the time is up; never resolves. */
  readonly expired: Promise<never>;
  /** Stops the timer; `expired` then never settles. */
  cancel(): void;
}

/** Starts a deadline of `ms` milliseconds. */
export function startDeadline(timers: Clock, ms: number, onExpiry: () => SystemdError): Deadline {
  let cancel: () => void = () => undefined;
  const expired = new Promise<never>((_, reject) => {
    cancel = timers.setTimer(ms, () => reject(onExpiry()));
  });
  expired.catch(() => undefined); // racing it is the caller's business
  return { expired, cancel };
}

/** `promise`, or the deadline's error if it comes first; the deadline is cancelled either way. */
export async function withDeadline<T>(
  timers: Clock,
  ms: number,
  promise: Promise<T>,
  onExpiry: () => SystemdError,
): Promise<T> {
  const deadline = startDeadline(timers, ms, onExpiry);
  try {
    return await Promise.race([promise, deadline.expired]);
  } finally {
    deadline.cancel();
  }
}
