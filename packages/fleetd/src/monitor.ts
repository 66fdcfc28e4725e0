// fleet's server monitor line. fleet beat its machine key every TTL/2 and, when a beat did not
// succeed within TTL/3, logged `Server monitor triggered: Monitor timed out before successful
// heartbeat` and restarted its components; operators alert on that line. Here the same event is
// the machine's lease going that long (TTL/2 + TTL/3) without an acknowledged renewal, or, if
// that was not seen first, the session being lost to a failed heartbeat.
import { isRegistryError, type MachineSession, type Registry } from '@fleet/registry';
import type { Clock, Logger } from '@fleet/runtime';

/** fleet's exact message (server/server.go + server/monitor.go). */
export const MONITOR_TRIGGERED =
  'Server monitor triggered: Monitor timed out before successful heartbeat';

/**
 * Whether a session ended because its heartbeat failed, not because fleetd closed or released
 * it: a lost session's reason carries the error that ended it; a closed one only a word.
 */
export function heartbeatFailed(reason: unknown): boolean {
  return isRegistryError(reason, 'REGISTRY_SESSION_LOST') && reason.cause instanceof Error;
}

/**
 * How long a machine may go without an acknowledged heartbeat before fleet's monitor fired: its
 * beat every TTL/2, plus the TTL/3 a beat was allowed.
 */
export function monitorDeadlineMs(ttlSeconds: number): number {
  return Math.round(ttlSeconds * 1000 * (1 / 2 + 1 / 3));
}

/**
 * Watches one session's heartbeat as fleet's monitor did, checking every TTL/12: once no renewal
 * has been acknowledged for {@link monitorDeadlineMs}, `onFailed` hears of it, once per silence;
 * a session lost to a failed heartbeat that had not been reported yet is reported then.
 */
function monitor(
  session: MachineSession,
  clock: Clock,
  onFailed: (session: MachineSession, reason: unknown) => void,
): void {
  const deadline = monitorDeadlineMs(session.ttlSeconds);
  const every = Math.max(1, Math.round((session.ttlSeconds * 1000) / 12));
  let reported = false;
  let cancel: (() => void) | undefined;
  const check = () => {
    if (session.signal.aborted) return;
    const silentMs = clock.monotonic() - session.lastRenewedAt();
    if (silentMs <= deadline) reported = false;
    else if (!reported) {
      reported = true;
      onFailed(session, new Error(`no heartbeat acknowledged by etcd for ${silentMs} ms`));
    }
    cancel = clock.setTimer(every, check);
  };
  cancel = clock.setTimer(every, check);
  const ended = () => {
    cancel?.();
    if (!reported && heartbeatFailed(session.signal.reason))
      onFailed(session, session.signal.reason);
  };
  if (session.signal.aborted) ended();
  else session.signal.addEventListener('abort', ended, { once: true });
}

/**
 * The registry as the agent sees it, with every machine session it registers watched by
 * fleet's monitor (see {@link monitor}). Everything else passes through.
 */
export function watchHeartbeats(
  registry: Registry,
  clock: Clock,
  onFailed: (session: MachineSession, reason: unknown) => void,
): Registry {
  const registerMachine: Registry['registerMachine'] = async (record, ttl, opts) => {
    const session = await registry.registerMachine(record, ttl, opts);
    monitor(session, clock, onFailed);
    return session;
  };
  return new Proxy(registry, {
    get(target, prop) {
      if (prop === 'registerMachine') return registerMachine;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

/** Logs fleet's monitor line, with what an operator needs beside it. */
export function logMonitorTriggered(log: Logger): (s: MachineSession, reason: unknown) => void {
  return (session, reason) =>
    log.error(
      {
        component: 'monitor',
        machineId: session.machineId,
        lease: session.leaseId,
        ttlSeconds: session.ttlSeconds,
        err: reason,
      },
      MONITOR_TRIGGERED,
    );
}
