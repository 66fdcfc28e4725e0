import { describe, expect, it } from 'vitest';
import { FleetError, isFleetError, isRetryable, oneLine } from './errors.js';

class Flaky extends FleetError {
  readonly code = 'TEST_FLAKY';
  override readonly retryable = true;
}
class Broken extends FleetError {
  readonly code = 'TEST_BROKEN';
}

describe('FleetError', () => {
  it('carries code, retryable, cause and the subclass name', () => {
    const cause = new Error('socket closed');
    const e = new Flaky('etcd unreachable', { cause });
    expect(e).toBeInstanceOf(FleetError);
    expect(e).toBeInstanceOf(Flaky);
    expect(e.name).toBe('Flaky');
    expect(e.code).toBe('TEST_FLAKY');
    expect(e.cause).toBe(cause);
    expect(isRetryable(e)).toBe(true);
    expect(isRetryable(new Broken('no'))).toBe(false);
    expect(new Broken('no')).not.toBeInstanceOf(Flaky);
  });

  it('is recognised by brand, not by identity of the class (two installed copies)', () => {
    const foreign = Object.assign(Object.create({ [Symbol.for('fleet.error')]: true }), {
      code: 'X',
      retryable: true,
      message: 'from another copy',
    });
    expect(isFleetError(foreign)).toBe(true);
    expect(isFleetError(new Error('plain'))).toBe(false);
    expect(isRetryable(new Error('plain'))).toBe(false);
    expect(isRetryable({ retryable: true })).toBe(false);
  });

  it('oneLine folds any thrown value to one line', () => {
    expect(oneLine(new Error('a\n  b\n'))).toBe('a b');
    expect(oneLine('text')).toBe('text');
    expect(oneLine(new Error(''))).toBe('unknown error');
  });
});
