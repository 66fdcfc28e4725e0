import dbus from 'dbus-next';
import { describe, expect, it } from 'vitest';
import { fromDbusError, isDbusErrorReply } from './error-map.js';

describe('fromDbusError', () => {
  it.each([
    ['org.freedesktop.systemd1.NoSuchUnit', 'SYSTEMD_NO_SUCH_UNIT', false],
    ['org.freedesktop.systemd1.LoadFailed', 'SYSTEMD_LOAD_FAILED', false],
    ['org.freedesktop.systemd1.BadUnitSetting', 'SYSTEMD_LOAD_FAILED', false],
    ['org.freedesktop.DBus.Error.InconsistentMessage', 'SYSTEMD_LOAD_FAILED', false],
    ['org.freedesktop.DBus.Error.AccessDenied', 'SYSTEMD_ACCESS_DENIED', false],
    ['org.freedesktop.DBus.Error.InvalidArgs', 'SYSTEMD_INVALID_ARGS', false],
    ['org.freedesktop.DBus.Error.NoReply', 'SYSTEMD_TIMEOUT', true],
    ['org.freedesktop.DBus.Error.Timeout', 'SYSTEMD_TIMEOUT', true],
    ['org.freedesktop.DBus.Error.Disconnected', 'SYSTEMD_UNAVAILABLE', true],
    ['org.freedesktop.DBus.Error.ServiceUnknown', 'SYSTEMD_UNAVAILABLE', true],
    ['org.freedesktop.DBus.Error.LimitsExceeded', 'SYSTEMD_UNAVAILABLE', true],
    ['org.example.Whatever', 'SYSTEMD_CALL_FAILED', false],
  ])('%s → %s (retryable: %s)', (type, code, retryable) => {
    const cause = new dbus.DBusError(type, 'Unit web.service not loaded.');
    const err = fromDbusError(cause, 'ResetFailedUnit web.service');
    expect(err).toMatchObject({ code, retryable, dbusName: type, cause });
    expect(err.message).toBe('ResetFailedUnit web.service: Unit web.service not loaded.');
  });

  it('tells error replies from local errors', () => {
    expect(isDbusErrorReply(new dbus.DBusError('a.b.C', 'x'))).toBe(true);
    expect(isDbusErrorReply(new Error('socket closed'))).toBe(false);
    expect(isDbusErrorReply({ type: 'a.b', text: 'not an Error' })).toBe(false);
  });
});
