// The systemd port's error catalogue. Callers branch on `code` (stable) and retry on
// `retryable`, never on messages. Both implementations throw these and nothing else.
import { FleetError } from '@fleet/runtime';

/** Stable codes of every error the `Systemd` port throws. */
export type SystemdErrorCode =
  | 'SYSTEMD_INVALID_ARGS'
  | 'SYSTEMD_NO_SUCH_UNIT'
  | 'SYSTEMD_LOAD_FAILED'
  | 'SYSTEMD_ACCESS_DENIED'
  | 'SYSTEMD_FILE'
  | 'SYSTEMD_TIMEOUT'
  | 'SYSTEMD_UNAVAILABLE'
  | 'SYSTEMD_CLOSED'
  | 'SYSTEMD_CALL_FAILED';

/**
 * What failed, for the message and for callers that want detail: FleetError's options
 * (`{ cause }`) with the operation and the D-Bus error name beside the cause.
 */
export interface SystemdErrorDetail {
  /** The operation, e.g. `StartUnit web.service`. */
  readonly operation: string;
  /** The D-Bus error name, when the error came from a D-Bus reply. */
  readonly dbusName?: string;
  /** The underlying error. */
  readonly cause?: unknown;
}

/** Base class: a stable `code`, whether retrying the same call can succeed, and the `cause`. */
export abstract class SystemdError extends FleetError {
  /** Stable, machine-readable reason. */
  abstract override readonly code: SystemdErrorCode;
  /** The operation that failed, e.g. `StartUnit web.service`. */
  readonly operation: string;
  /** The D-Bus error name, e.g. `org.freedesktop.systemd1.NoSuchUnit`, if there was one. */
  readonly dbusName: string | undefined;

  /** @param reason - what went wrong, without the operation (it is prefixed) */
  constructor(reason: string, detail: SystemdErrorDetail) {
    super(`${detail.operation}: ${reason}`, { cause: detail.cause });
    this.operation = detail.operation;
    this.dbusName = detail.dbusName;
  }
}

/** A unit name, path or argument was malformed (`org.freedesktop.DBus.Error.InvalidArgs`). */
export class SystemdInvalidArgsError extends SystemdError {
  readonly code = 'SYSTEMD_INVALID_ARGS';
  override readonly retryable = false;
}

/** systemd has no such unit or unit file (`org.freedesktop.systemd1.NoSuchUnit`). */
export class SystemdNoSuchUnitError extends SystemdError {
  readonly code = 'SYSTEMD_NO_SUCH_UNIT';
  override readonly retryable = false;
}

/**
 * The unit file could not be loaded or has a bad setting (`LoadFailed`, `BadUnitSetting`,
 * an `error` load state, a masked unit). Fix the file and reload; retrying will not help.
 */
export class SystemdLoadFailedError extends SystemdError {
  readonly code = 'SYSTEMD_LOAD_FAILED';
  override readonly retryable = false;
}

/** The caller may not do this (`org.freedesktop.DBus.Error.AccessDenied`, polkit). */
export class SystemdAccessDeniedError extends SystemdError {
  readonly code = 'SYSTEMD_ACCESS_DENIED';
  override readonly retryable = false;
}

/** Writing, reading or removing a file in the units directory failed. */
export class SystemdFileError extends SystemdError {
  readonly code = 'SYSTEMD_FILE';
  override readonly retryable = false;
}

/** No reply within the call's deadline (ours, or the bus's `NoReply`/`Timeout`). */
export class SystemdTimeoutError extends SystemdError {
  readonly code = 'SYSTEMD_TIMEOUT';
  override readonly retryable = true;
}

/** The bus is not reachable or the connection dropped; a reconnect is under way. */
export class SystemdUnavailableError extends SystemdError {
  readonly code = 'SYSTEMD_UNAVAILABLE';
  override readonly retryable = true;
}

/** `close()` was called on this object; it will never work again. */
export class SystemdClosedError extends SystemdError {
  readonly code = 'SYSTEMD_CLOSED';
  override readonly retryable = false;
}

/** Any other error systemd or the bus replied with; `dbusName` says which. */
export class SystemdCallFailedError extends SystemdError {
  readonly code = 'SYSTEMD_CALL_FAILED';
  override readonly retryable = false;
}

/** Whether `err` is one of this package's errors with the given code. */
export function isSystemdError(err: unknown, code?: SystemdErrorCode): err is SystemdError {
  return err instanceof SystemdError && (code === undefined || err.code === code);
}
