// The registry's catalogue on runtime's one error model: codes kept, retryable where a retry can
// succeed, the cause passed as `{ cause }`, messages on one line.
import { FleetError, isFleetError, isRetryable } from '@fleet/runtime';
import { describe, expect, it } from 'vitest';
import type { RegistryError } from './errors.js';
import {
  ClosedError,
  CompactedError,
  ConflictError,
  CorruptRecordError,
  InvalidInputError,
  LeaseExpiredError,
  MachineExistsError,
  NotLeaderError,
  SessionLostError,
  StaleRevisionError,
  StoreRejectedError,
  UnavailableError,
  UnitExistsError,
  UnitNotFoundError,
  UnitTooLargeError,
} from './errors.js';

describe('registry errors', () => {
  it('are FleetErrors with their stable codes, retryable where a retry can succeed', () => {
    const cases: [RegistryError, string, boolean][] = [
      [new InvalidInputError('bad'), 'REGISTRY_INVALID_INPUT', false],
      [new UnitExistsError('a.service', undefined), 'REGISTRY_UNIT_EXISTS', false],
      [new UnitNotFoundError('a.service'), 'REGISTRY_UNIT_NOT_FOUND', false],
      [new UnitTooLargeError('a.service', 2, 1), 'REGISTRY_UNIT_TOO_LARGE', false],
      [new NotLeaderError('5', undefined), 'REGISTRY_NOT_LEADER', false],
      [new MachineExistsError('m1'), 'REGISTRY_MACHINE_EXISTS', true],
      [new SessionLostError('m1'), 'REGISTRY_SESSION_LOST', false],
      [new UnavailableError(['memory']), 'REGISTRY_UNAVAILABLE', true],
      [new ConflictError('busy'), 'REGISTRY_CONFLICT', true],
      [new CorruptRecordError('k', 'bad'), 'REGISTRY_CORRUPT_RECORD', false],
      [new StoreRejectedError('no'), 'REGISTRY_STORE_REJECTED', false],
      [new LeaseExpiredError(5n), 'REGISTRY_LEASE_EXPIRED', false],
      [new CompactedError(5n), 'REGISTRY_COMPACTED', true],
      [new ClosedError('closed'), 'REGISTRY_CLOSED', false],
      [new StaleRevisionError('5', '7'), 'REGISTRY_STALE_REVISION', false],
    ];
    for (const [err, code, retryable] of cases) {
      expect(err).toBeInstanceOf(FleetError);
      expect(isFleetError(err)).toBe(true);
      expect([err.name, err.code, err.retryable, isRetryable(err)]).toEqual([
        err.constructor.name,
        code,
        retryable,
        retryable,
      ]);
    }
  });

  it('carry their cause, given as { cause }', () => {
    const why = new Error('connect ECONNREFUSED\n  at 127.0.0.1:2379');
    const err = new UnavailableError(['http://127.0.0.1:2379'], { cause: why });
    expect(err.cause).toBe(why);
    expect(err.message).toBe(
      'etcd is unavailable at http://127.0.0.1:2379: connect ECONNREFUSED at 127.0.0.1:2379',
    );
    const lost = new SessionLostError('m1', { cause: new LeaseExpiredError(7n) });
    expect(lost.cause).toBeInstanceOf(LeaseExpiredError);
    expect(new InvalidInputError('bad', { cause: 'x' }).cause).toBe('x');
    expect(new ClosedError('closed').cause).toBeUndefined();
  });
});
