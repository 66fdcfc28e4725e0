// fleetctl's errors are fleet's FleetErrors: a stable code, the cause, and the exit code to use.
import { isFleetError } from '@fleet/runtime';
import { describe, expect, it } from 'vitest';
import { CliError, UsageError } from './errors.js';

describe('CliError and UsageError', () => {
  it('carry a code, an exit code (default 1) and the cause', () => {
    const cause = new Error('ECONNREFUSED');
    const err = new CliError('Failed building SSH client: refused', { exitCode: 255, cause });
    expect(isFleetError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'CLI_FAILED', exitCode: 255, name: 'CliError', cause });
    expect(new CliError('x').exitCode).toBe(1);
    expect(err.retryable).toBe(false);
  });

  it('a usage error is a CliError with code CLI_USAGE and exit code 1', () => {
    const err = new UsageError('one machine or unit must be provided');
    expect(err).toBeInstanceOf(CliError);
    expect(isFleetError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'CLI_USAGE', exitCode: 1, name: 'UsageError' });
  });
});
