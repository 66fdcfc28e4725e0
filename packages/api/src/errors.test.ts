// The API server's errors on runtime's one error model: HttpError's code follows its status.
import { FleetError, isRetryable } from '@fleet/runtime';
import { AccessDeniedError, UnavailableError, UnitNotFoundError } from '@fleet/registry';
import { describe, expect, it } from 'vitest';
import { HttpError, toHttpError } from './errors.js';
import { ClientGoneError } from './http/body.js';

describe('API errors', () => {
  it('give HttpError a stable code by status, retryable only for 503', () => {
    const cases: [number, string][] = [
      [400, 'API_BAD_REQUEST'],
      [404, 'API_NOT_FOUND'],
      [405, 'API_METHOD_NOT_ALLOWED'],
      [409, 'API_CONFLICT'],
      [413, 'API_TOO_LARGE'],
      [415, 'API_UNSUPPORTED_MEDIA_TYPE'],
      [503, 'API_UNAVAILABLE'],
      [418, 'API_HTTP_ERROR'],
    ];
    for (const [status, code] of cases) {
      const err = new HttpError(status, 'why');
      expect(err).toBeInstanceOf(FleetError);
      expect([err.name, err.status, err.code, isRetryable(err), err.headers]).toEqual([
        'HttpError',
        status,
        code,
        status === 503,
        {},
      ]);
    }
    const gone = new ClientGoneError({ cause: new Error('reset') });
    expect([gone.code, gone.retryable, (gone.cause as Error).message]).toEqual([
      'API_CLIENT_GONE',
      false,
      'reset',
    ]);
  });

  it('maps registry errors keeping them as the cause, and headers as an option', () => {
    const down = new UnavailableError(['memory']);
    expect(toHttpError(down)).toMatchObject({ status: 503, code: 'API_UNAVAILABLE', cause: down });
    const refused = new AccessDeniedError('etcd at x refused the login');
    expect(toHttpError(refused)).toMatchObject({ status: 503, code: 'API_UNAVAILABLE' });
    const missing = new UnitNotFoundError('a.service');
    expect(toHttpError(missing)).toMatchObject({ status: 404, cause: missing });
    expect(new HttpError(405, 'no', { headers: { Allow: 'GET' } }).headers).toEqual({
      Allow: 'GET',
    });
  });
});
