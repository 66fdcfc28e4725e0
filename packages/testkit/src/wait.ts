// Waiting for a condition with a deadline: tests wait for what they need, never sleep and hope.
import { FleetError } from '@fleet/runtime';

/** How time passes while waiting: real time by default, a manual clock's advance in simulated time. */
export interface WaitTime {
  now(): number;
  /** Lets `ms` pass. */
  sleep(ms: number): Promise<void>;
}

export interface WaitOptions {
  /** Give up after this many milliseconds (default 10 s). */
  timeoutMs?: number;
  /** Poll interval in milliseconds (default 50 ms). */
  intervalMs?: number;
  /** What is being waited for, for the error message. */
  what?: string;
  /**
   * The time the deadline is in (default: real time). A test in simulated time passes its
   * manual clock here, and each poll interval then advances that clock.
   */
  time?: WaitTime;
  /**
   * Whether a probe that throws is polled again (default `true`: the last error goes into the
   * timeout's message). `false` rejects at once with the probe's error, for waits where any
   * error is a failure (the systemd contract).
   */
  retryErrors?: boolean;
}

/** A wait ran out of time; `cause` is the probe's last error, if it threw. */
export class WaitTimeoutError extends FleetError {
  readonly code = 'TESTKIT_WAIT_TIMEOUT';

  /** The message names `what` and the deadline, and the last error when there was one. */
  constructor(what: string, timeoutMs: number, options?: { readonly cause?: unknown }) {
    const last = options?.cause;
    const detail =
      last instanceof Error ? `: last error: ${last.message}` : last ? `: ${String(last)}` : '';
    super(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`, options);
  }

  /** The probe's last error (the `cause`). */
  get lastError(): unknown {
    return this.cause;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Real time: monotonic, so a clock set by NTP never moves a deadline. */
export const realTime: WaitTime = { now: () => performance.now(), sleep };

/**
 * Polls `probe` until it returns a value other than `undefined`/`false` (or stops throwing),
 * and returns that value. Never sleeps longer than the deadline.
 */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  opts: WaitOptions = {},
): Promise<T> {
  const time = opts.time ?? realTime;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = time.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
      lastError = undefined;
    } catch (err) {
      if (opts.retryErrors === false) throw err;
      lastError = err;
    }
    const left = deadline - time.now();
    if (left <= 0)
      throw new WaitTimeoutError(
        opts.what ?? 'a condition',
        timeoutMs,
        lastError === undefined ? undefined : { cause: lastError },
      );
    await time.sleep(Math.min(intervalMs, left));
  }
}
