// fleet's server monitor line. fleet beat its machine key every TTL/2 and, when a beat did not
// succeed in time, logged `Server monitor triggered: Monitor timed out before successful heartbeat`
// and restarted its components; operators alert on that line. Here the same event is the
// machine session being lost (its lease keepalive went unanswered until the lease was gone, or
// etcd said it expired), after which the agent registers again: fleetd logs fleet's line then.
import { isRegistryError, type MachineSession, type Registry } from '@fleet/registry';
import type { Logger } from '@fleet/runtime';

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
 * The registry as the agent sees it, with every machine session it registers watched: when one
 * is lost to a failed heartbeat, `onFailed` hears of it. Everything else passes through.
 */
export function watchHeartbeats(
  registry: Registry,
  onFailed: (session: MachineSession, reason: unknown) => void,
): Registry {
  const registerMachine: Registry['registerMachine'] = async (record, ttl, opts) => {
    const session = await registry.registerMachine(record, ttl, opts);
    const signal = session.signal;
    const check = () => {
      if (heartbeatFailed(signal.reason)) onFailed(session, signal.reason);
    };
    if (signal.aborted) check();
    else signal.addEventListener('abort', check, { once: true });
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
