export interface WaitOptions {
  /** Give up after this many milliseconds (default 10 s). */
  timeoutMs?: number;
  /** Poll interval in milliseconds (default 50 ms). */
  intervalMs?: number;
  /** What is being waited for, for the error message. */
  what?: string;
}

export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
  constructor(
    what: string,
    timeoutMs: number,
    readonly lastError?: unknown,
  ) {
    const detail =
      lastError instanceof Error
        ? `: last error: ${lastError.message}`
        : lastError
          ? `: ${String(lastError)}`
          : '';
    super(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `probe` until it returns a value other than `undefined`/`false` (or stops throwing),
 * and returns that value. Never sleeps longer than the deadline.
 */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  opts: WaitOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new WaitTimeoutError(opts.what ?? 'a condition', timeoutMs, lastError);
    await sleep(Math.min(intervalMs, left));
  }
}
