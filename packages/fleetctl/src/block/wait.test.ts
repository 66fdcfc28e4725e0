// A wait keeps polling through errors that say retrying can help (the API unreachable, a
// timeout, a 503) and gives up at once on any other.
import { ApiError, ConnectionError } from '@fleet/client';
import { describe, expect, it } from 'vitest';
import { Context } from '../cli/context.js';
import { globalDefaults, globalOptions } from '../cli/globals.js';
import { Capture, input } from '../testing/streams.js';
import type { Verdict } from './judge.js';
import { Progress } from './progress.js';
import { pollUnit } from './wait.js';

function setup() {
  const stdout = new Capture();
  const stderr = new Capture();
  const ctx = new Context(
    { stdin: input(''), stdout, stderr, env: {}, pollIntervalMs: 1, pollsPerAttempt: 2 },
    globalOptions(globalDefaults({})),
  );
  return { ctx, stdout, stderr, progress: new Progress(stderr, false, 'start') };
}

/** A check that fails with `errors`, one per poll, then reports the unit done. */
function failingThenDone(errors: readonly unknown[]): () => Promise<Verdict> {
  let polls = 0;
  return () => {
    const err = errors[polls++];
    if (err !== undefined) return Promise.reject(err instanceof Error ? err : new Error('x'));
    return Promise.resolve({ kind: 'done', line: 'Unit a.service launched on m1' });
  };
}

describe('pollUnit on API errors', () => {
  it('keeps waiting through retryable errors', async () => {
    const { ctx, stdout, stderr, progress } = setup();
    const refused = new ConnectionError('unix:///x.sock', { cause: new Error('ECONNREFUSED') });
    const unavailable = new ApiError(503, 'fleet is unavailable', 'GET', '/fleet/v1/units/a');
    const check = failingThenDone([refused, unavailable, refused]);
    expect(await pollUnit(ctx, progress, 'a.service', 0, 'start', check)).toBe(true);
    expect(stdout.text()).toBe('Unit a.service launched on m1\n');
    expect(stderr.text()).toBe('');
  });

  it('gives up at once on an error retrying cannot fix', async () => {
    const { ctx, stdout, stderr, progress } = setup();
    const check = failingThenDone([new ApiError(500, 'boom', 'GET', '/fleet/v1/units/a')]);
    expect(await pollUnit(ctx, progress, 'a.service', 0, 'start', check)).toBe(false);
    expect(stdout.text()).toBe('');
    expect(stderr.text()).toBe('Error waiting for units: boom\n');
  });
});
