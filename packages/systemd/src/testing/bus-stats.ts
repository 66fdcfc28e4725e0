// Reads dbus-daemon's own statistics about a connection (org.freedesktop.DBus.Debug.Stats),
// to check from outside how many match rules a client holds.
import { systemClock } from '@fleet/runtime';
import { SystemdCallFailedError, SystemdUnavailableError } from '../errors.js';
import { BusConnection } from '../dbus/connection.js';
import { withDeadline } from '../dbus/deadline.js';

/** What dbus-daemon counts for one connection. */
export interface ConnectionStats {
  readonly matchRules: number;
  readonly peakMatchRules: number;
}

/**
 * Asks the bus at `address` for the statistics of connection `uniqueName` (e.g. `:1.42`).
 * Needs a dbus-daemon with Debug.Stats enabled and a caller it lets use it (root on Debian).
 */
export async function connectionStats(
  address: string,
  uniqueName: string,
  timeoutMs = 5_000,
): Promise<ConnectionStats> {
  const operation = `GetConnectionStats ${uniqueName}`;
  const conn = await BusConnection.open(address, timeoutMs, {
    onSignal: () => undefined,
    onLost: () => undefined,
  });
  try {
    const [stats] = await withDeadline(
      systemClock,
      timeoutMs,
      conn.send(
        {
          destination: 'org.freedesktop.DBus',
          path: '/org/freedesktop/DBus',
          interface: 'org.freedesktop.DBus.Debug.Stats',
          member: 'GetConnectionStats',
          signature: 's',
          body: [uniqueName],
        },
        operation,
      ),
      () => new SystemdUnavailableError(`no reply within ${timeoutMs} ms`, { operation }),
    );
    const value = (key: string): number => {
      const entry = (stats as Record<string, { value?: unknown } | undefined>)[key]?.value;
      if (typeof entry !== 'number') {
        throw new SystemdCallFailedError(`no ${key} in the reply`, { operation });
      }
      return entry;
    };
    return { matchRules: value('MatchRules'), peakMatchRules: value('PeakMatchRules') };
  } finally {
    conn.close(new SystemdUnavailableError('done', { operation }));
  }
}
