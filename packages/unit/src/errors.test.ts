import { FleetError, isFleetError, isRetryable } from '@fleet/runtime';
import { describe, expect, it } from 'vitest';
import { UnitError } from './errors.js';

describe('UnitError', () => {
  it('carries a code, never retryable, and an optional cause and line', () => {
    const cause = new Error('inner');
    const error = new UnitError('UNIT_PARSE', 'line 3: bad', { cause, line: 3 });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('UnitError');
    expect(error.code).toBe('UNIT_PARSE');
    expect(error.retryable).toBe(false);
    expect(error.cause).toBe(cause);
    expect(error.line).toBe(3);
    expect(new UnitError('UNIT_EMPTY', 'x').line).toBeUndefined();
    expect('cause' in new UnitError('UNIT_EMPTY', 'x')).toBe(false);
  });

  it('is a FleetError, so loops and logs read its code and retryable like any other', () => {
    const error = new UnitError('UNIT_EMPTY', 'unit file is empty');
    expect(error).toBeInstanceOf(FleetError);
    expect(isFleetError(error)).toBe(true);
    expect(isRetryable(error)).toBe(false);
  });
});
