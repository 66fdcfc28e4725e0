// Fault injection: stops a handle's keepalives as a frozen process would. Exported from ./testing.
import { LeadershipHandle } from '../core/leadership.js';
import { Session } from '../core/session.js';
import type { Leadership, MachineSession } from '../registry.js';

/**
 * Stops a session's or leadership's keepalives without telling it, as a frozen or cut-off
 * process would: its lease expires after the TTL.
 */
export function stall(handle: MachineSession | Leadership): void {
  if (handle instanceof Session || handle instanceof LeadershipHandle) handle.stall();
  else throw new TypeError('not a handle of this registry');
}
