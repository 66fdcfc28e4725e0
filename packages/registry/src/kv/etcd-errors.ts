// etcd3's errors, translated into the registry's catalogue at the edge.
import { oneLine } from '@fleet/runtime';
import {
  ClientClosedError,
  EtcdLeaseInvalidError,
  GRPCOutOfRangeError,
  isRecoverableError,
} from 'etcd3';
import { isBrokenCircuitError } from 'cockatiel';
import {
  ClosedError,
  CompactedError,
  LeaseExpiredError,
  RegistryError,
  StoreRejectedError,
  UnavailableError,
} from '../errors.js';

/** What the failed call was about, to name it in the error. */
export interface ErrorContext {
  readonly endpoints: readonly string[];
  /** The lease the call used, if any. */
  readonly leaseId?: bigint;
  /** The revision the call read at, if any. */
  readonly revision?: bigint;
}

/** Whether an etcd3 error means "try again later" (connection, deadline, leader change). */
export function isTransient(err: unknown): boolean {
  return (err instanceof Error && isRecoverableError(err)) || isBrokenCircuitError(err);
}

/** Maps anything etcd3 throws to a RegistryError. */
export function mapEtcdError(err: unknown, ctx: ErrorContext): RegistryError {
  if (err instanceof RegistryError) return err;
  if (err instanceof EtcdLeaseInvalidError)
    return new LeaseExpiredError(ctx.leaseId ?? 0n, { cause: err });
  if (err instanceof GRPCOutOfRangeError && /compacted/.test(err.message)) {
    return new CompactedError(ctx.revision ?? 0n, { cause: err });
  }
  if (err instanceof ClientClosedError)
    return new ClosedError('the etcd client is closed', { cause: err });
  if (isTransient(err)) return new UnavailableError(ctx.endpoints, { cause: err });
  return new StoreRejectedError(`etcd refused the request: ${oneLine(err)}`, { cause: err });
}
