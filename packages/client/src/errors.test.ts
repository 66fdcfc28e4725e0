// The client's catalogue is part of fleet's one error model: codes stay stable (fleetctl and the
// tests branch on them), and `retryable` says whether the same call can succeed later.
import { isFleetError, isRetryable } from '@fleet/runtime';
import { describe, expect, it } from 'vitest';
import {
  ApiError,
  BadResponseError,
  ConnectionError,
  EndpointError,
  FleetClientError,
  TimeoutError,
} from './errors.js';

describe('the client error catalogue', () => {
  const refused = new Error('connect ENOENT /run/x.sock');
  it.each([
    [
      new ApiError(404, 'Unit x.service does not exist', 'GET', '/fleet/v1/units/x'),
      'API_ERROR',
      false,
    ],
    [new ApiError(503, 'fleet is unavailable', 'GET', '/fleet/v1/units'), 'API_ERROR', true],
    [new ConnectionError('unix:///run/x.sock', { cause: refused }), 'API_UNREACHABLE', true],
    [new TimeoutError('unix:///run/x.sock', 3000), 'API_TIMEOUT', true],
    [new BadResponseError('GET /units: not JSON'), 'API_BAD_RESPONSE', false],
    [new EndpointError('URL scheme undefined'), 'API_BAD_ENDPOINT', false],
  ])('%s has code %s, retryable %s, and is a FleetError', (err, code, retryable) => {
    expect(err).toBeInstanceOf(FleetClientError);
    expect(isFleetError(err)).toBe(true);
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
    expect(isRetryable(err)).toBe(retryable);
    expect(err.name).toBe(err.constructor.name);
  });

  it('names the endpoint and keeps the cause of a connection failure, on one line', () => {
    const err = new ConnectionError('unix:///run/x.sock', {
      cause: new Error('first\n  second'),
    });
    expect(err.message).toBe('cannot reach the fleet API at unix:///run/x.sock: first second');
    expect((err.cause as Error).message).toBe('first\n  second');
  });
});
