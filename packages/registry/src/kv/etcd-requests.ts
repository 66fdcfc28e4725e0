// The hook through which fleetd times etcd requests (its fleet_registry_request_* series), kept
// apart from EtcdKv: one call of performance.now() on each side of a request when a hook is set.
import type { RegistryError } from '../errors.js';

/** The etcd requests a {@link KvRequestObserver} is told of. */
export type KvRequestOp =
  'txn' | 'range' | 'lease_grant' | 'lease_keepalive' | 'lease_revoke' | 'compact';

/**
 * Told one request's duration in seconds and, when it failed, its error code (see
 * {@link requestErrorCode}). Each attempt of a retried call is a request. Must not throw.
 */
export type KvRequestObserver = (op: KvRequestOp, seconds: number, code?: string) => void;

/** A registry error's code without its `REGISTRY_` prefix, in lower case: `unavailable`... */
export function requestErrorCode(err: RegistryError): string {
  return err.code.replace(/^REGISTRY_/, '').toLowerCase();
}

/**
 * Runs one request, telling `observe` (if any) its duration and, if it throws, the code of the
 * registry error `mapError` makes of what it threw (the request's own error is rethrown).
 */
export async function timedRequest<T>(
  observe: KvRequestObserver | undefined,
  op: KvRequestOp,
  fn: () => Promise<T>,
  mapError: (err: unknown) => RegistryError,
): Promise<T> {
  if (observe === undefined) return fn();
  const started = performance.now();
  try {
    const value = await fn();
    observe(op, (performance.now() - started) / 1000);
    return value;
  } catch (err) {
    observe(op, (performance.now() - started) / 1000, requestErrorCode(mapError(err)));
    throw err;
  }
}
