// @fleet/unit/testing: helpers for tests of unit handling. Never exported from the main entry.
import { UnitError } from '../errors.js';

/** Runs `fn`, which must throw a {@link UnitError}, and returns that error. */
export function thrown(fn: () => unknown): UnitError {
  try {
    fn();
  } catch (error) {
    if (error instanceof UnitError) return error;
    throw error;
  }
  throw new Error('expected a UnitError, but nothing was thrown');
}
