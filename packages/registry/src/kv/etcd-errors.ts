// etcd3's errors, translated into the registry's catalogue at the edge.
import { oneLine } from '@fleet/runtime';
import {
  ClientClosedError,
  EtcdAuthenticationFailedError,
  EtcdLeaseInvalidError,
  EtcdPermissionDeniedError,
  EtcdRoleNotGrantedError,
  EtcdUserNotFoundError,
  GRPCOutOfRangeError,
  isRecoverableError,
} from 'etcd3';
import { isBrokenCircuitError } from 'cockatiel';
import {
  AccessDeniedError,
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

/**
 * What went wrong in a TLS handshake with etcd, from gRPC's "No connection established" message
 * (gRPC reports a refused handshake as UNAVAILABLE, like a member that is down): undefined when
 * the failure was not about certificates.
 */
export function tlsProblem(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const m = err.message;
  // OpenSSL's alerts and errors: "...:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:..."
  const ssl = /SSL routines:[^:]*:([^:]+)/.exec(m)?.[1];
  if (ssl !== undefined) return ssl.trim();
  // Node's checks of etcd's certificate: "Error: unable to verify the first certificate." (Node 24
  // adds "; if the root CA is installed locally, try running Node with `--use-system-ca`").
  const node =
    /(self[- ]signed certificate[^.(;]*|unable to (?:verify|get)[^.(;]*|certificate has expired|Hostname\/IP does not match[^.(;]*|certificate signature failure|certificate is not yet valid)/i.exec(
      m,
    )?.[1];
  return node?.trim();
}

/** Whether an etcd3 error means "try again later" (connection, deadline, leader change). */
export function isTransient(err: unknown): boolean {
  if (tlsProblem(err) !== undefined) return false;
  return (err instanceof Error && isRecoverableError(err)) || isBrokenCircuitError(err);
}

/** The one line for a refused TLS handshake: whose certificate was refused, and by whom. */
function tlsMessage(problem: string, endpoints: readonly string[]): string {
  const at = endpoints.join(', ');
  // An alert is etcd refusing us; anything else is us refusing etcd's certificate.
  return /alert/.test(problem)
    ? `etcd at ${at} refused the TLS handshake (${problem}): it needs a client certificate signed by a CA it trusts (etcd_certfile, etcd_keyfile)`
    : `etcd at ${at} presented a certificate that is not trusted (${problem}): etcd_cafile must name the CA that signed it`;
}

/** Maps anything etcd3 throws to a RegistryError. */
export function mapEtcdError(err: unknown, ctx: ErrorContext): RegistryError {
  if (err instanceof RegistryError) return err;
  if (err instanceof EtcdLeaseInvalidError)
    return new LeaseExpiredError(ctx.leaseId ?? 0n, { cause: err });
  if (err instanceof GRPCOutOfRangeError && /compacted/.test(err.message)) {
    return new CompactedError(ctx.revision ?? 0n, { cause: err });
  }
  const tls = tlsProblem(err);
  if (tls !== undefined)
    return new AccessDeniedError(tlsMessage(tls, ctx.endpoints), { cause: err });
  if (err instanceof EtcdAuthenticationFailedError) {
    return new AccessDeniedError(
      `etcd at ${ctx.endpoints.join(', ')} refused the login: invalid user name or password (etcd_username, etcd_password)`,
      { cause: err },
    );
  }
  if (
    err instanceof EtcdPermissionDeniedError ||
    err instanceof EtcdUserNotFoundError ||
    err instanceof EtcdRoleNotGrantedError
  ) {
    return new AccessDeniedError(
      `etcd denied the request: ${etcdReason(err)} (the etcd user, or the certificate's CN, needs a role with readwrite on fleet's key prefix)`,
      { cause: err },
    );
  }
  if (err instanceof ClientClosedError)
    return new ClosedError('the etcd client is closed', { cause: err });
  if (isTransient(err)) return new UnavailableError(ctx.endpoints, { cause: err });
  return new StoreRejectedError(`etcd refused the request: ${oneLine(err)}`, { cause: err });
}

/** etcd's own words from a gRPC error: "7 PERMISSION_DENIED: etcdserver: permission denied" -> "permission denied". */
function etcdReason(err: Error): string {
  return oneLine(err).replace(/^.*etcdserver: /, '');
}
