// The etcd request hook: a duration for every request, the registry error's code for a failed one.
import { describe, expect, it } from 'vitest';
import { StoreRejectedError, UnavailableError } from '../errors.js';
import { requestErrorCode, timedRequest, type KvRequestOp } from './etcd-requests.js';

describe('timedRequest', () => {
  it('tells the op and duration of a request that succeeded, and returns its value', async () => {
    const seen: [KvRequestOp, number, string | undefined][] = [];
    const v = await timedRequest(
      (op, s, code) => seen.push([op, s, code]),
      'range',
      async () => 42,
      () => new StoreRejectedError('never'),
    );
    expect(v).toBe(42);
    expect(seen).toHaveLength(1);
    expect(seen[0]![0]).toBe('range');
    expect(seen[0]![1]).toBeGreaterThanOrEqual(0);
    expect(seen[0]![2]).toBeUndefined();
  });

  it("tells a failed request's code and rethrows its own error", async () => {
    const seen: [KvRequestOp, string | undefined][] = [];
    const own = new Error('14 UNAVAILABLE: no connection');
    await expect(
      timedRequest(
        (op, _s, code) => seen.push([op, code]),
        'txn',
        () => Promise.reject(own),
        () => new UnavailableError(['http://127.0.0.1:2379']),
      ),
    ).rejects.toBe(own);
    expect(seen).toEqual([['txn', 'unavailable']]);
  });

  it('runs the request alone without a hook', async () => {
    expect(
      await timedRequest(
        undefined,
        'compact',
        async () => 'ok',
        () => new StoreRejectedError('x'),
      ),
    ).toBe('ok');
  });

  it('codes are the registry codes without their prefix, in lower case', () => {
    expect(requestErrorCode(new StoreRejectedError('etcd refused'))).toBe('store_rejected');
  });
});
