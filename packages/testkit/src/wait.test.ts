import { FleetError, isRetryable } from '@fleet/runtime';
import { describe, expect, it } from 'vitest';
import { waitFor, WaitTimeoutError, type WaitTime } from './wait.js';

/** Simulated time: sleeping moves it, nothing else does. */
function simulated(): WaitTime & { slept: number[] } {
  let t = 5_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
  };
}

describe('waitFor', () => {
  it('waits in the time it is given, polling every interval up to the deadline', async () => {
    const time = simulated();
    let polls = 0;
    const value = await waitFor(() => ++polls === 4 && 'ready', { time, intervalMs: 10 });
    expect(value).toBe('ready');
    expect(time.slept).toEqual([10, 10, 10]);
  });

  it('times out in that time with a WaitTimeoutError naming what and the last error', async () => {
    const time = simulated();
    const cause = new Error('connection refused');
    const err = await waitFor(
      () => {
        throw cause;
      },
      { time, timeoutMs: 100, intervalMs: 30, what: 'etcd' },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect(err).toBeInstanceOf(FleetError);
    expect(err).toMatchObject({
      name: 'WaitTimeoutError',
      code: 'TESTKIT_WAIT_TIMEOUT',
      message: 'timed out after 100 ms waiting for etcd: last error: connection refused',
      cause,
      lastError: cause,
    });
    expect(isRetryable(err)).toBe(false);
    // Never sleeps past the deadline: 30 + 30 + 30 + 10.
    expect(time.slept).toEqual([30, 30, 30, 10]);
  });

  it('with retryErrors: false, rejects at once with the probe error', async () => {
    const time = simulated();
    const cause = new Error('closed');
    const err = await waitFor(
      () => {
        throw cause;
      },
      { time, retryErrors: false },
    ).catch((e: unknown) => e);
    expect(err).toBe(cause);
    expect(time.slept).toEqual([]);
  });

  it('a timeout without a probe error has no cause', () => {
    const err = new WaitTimeoutError('x', 5);
    expect(err.message).toBe('timed out after 5 ms waiting for x');
    expect('cause' in err).toBe(false);
    expect(err.lastError).toBeUndefined();
  });
});
