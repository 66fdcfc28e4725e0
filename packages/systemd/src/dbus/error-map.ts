// D-Bus error names → the port's error classes. The only place that knows D-Bus error names.
import {
  SystemdAccessDeniedError,
  SystemdCallFailedError,
  SystemdInvalidArgsError,
  SystemdLoadFailedError,
  SystemdNoSuchUnitError,
  SystemdTimeoutError,
  SystemdUnavailableError,
  type SystemdError,
} from '../errors.js';

type ErrorClass = new (
  reason: string,
  detail: { operation: string; dbusName?: string; cause?: unknown },
) => SystemdError;

const BY_NAME: ReadonlyMap<string, ErrorClass> = new Map<string, ErrorClass>([
  ['org.freedesktop.systemd1.NoSuchUnit', SystemdNoSuchUnitError],
  ['org.freedesktop.DBus.Error.FileNotFound', SystemdNoSuchUnitError],
  ['org.freedesktop.systemd1.LoadFailed', SystemdLoadFailedError],
  ['org.freedesktop.systemd1.BadUnitSetting', SystemdLoadFailedError],
  ['org.freedesktop.systemd1.UnitMasked', SystemdLoadFailedError],
  // "Unit x failed to load properly, please adjust/correct and reload service manager".
  ['org.freedesktop.DBus.Error.InconsistentMessage', SystemdLoadFailedError],
  ['org.freedesktop.DBus.Error.AccessDenied', SystemdAccessDeniedError],
  ['org.freedesktop.DBus.Error.InteractiveAuthorizationRequired', SystemdAccessDeniedError],
  ['org.freedesktop.DBus.Error.InvalidArgs', SystemdInvalidArgsError],
  ['org.freedesktop.DBus.Error.NoReply', SystemdTimeoutError],
  ['org.freedesktop.DBus.Error.Timeout', SystemdTimeoutError],
  ['org.freedesktop.DBus.Error.TimedOut', SystemdTimeoutError],
  ['org.freedesktop.DBus.Error.Disconnected', SystemdUnavailableError],
  ['org.freedesktop.DBus.Error.ServiceUnknown', SystemdUnavailableError],
  ['org.freedesktop.DBus.Error.NameHasNoOwner', SystemdUnavailableError],
  ['org.freedesktop.DBus.Error.NoServer', SystemdUnavailableError],
  ['org.freedesktop.DBus.Error.LimitsExceeded', SystemdUnavailableError],
]);

/** Shape of dbus-next's `DBusError` (checked structurally: it is a CommonJS class). */
interface DbusErrorLike {
  readonly type: string;
  readonly text: string;
}

/** Whether `err` is an error reply from the bus or the peer (as opposed to a local failure). */
export function isDbusErrorReply(err: unknown): err is DbusErrorLike & Error {
  return (
    err instanceof Error &&
    typeof (err as Partial<DbusErrorLike>).type === 'string' &&
    typeof (err as Partial<DbusErrorLike>).text === 'string'
  );
}

/** The port error for a D-Bus error reply to `operation`. */
export function fromDbusError(err: DbusErrorLike & Error, operation: string): SystemdError {
  const Class = BY_NAME.get(err.type) ?? SystemdCallFailedError;
  const reason = err.text === '' ? err.type : err.text;
  return new Class(reason, { operation, dbusName: err.type, cause: err });
}
