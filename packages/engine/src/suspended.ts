// A leader whose lease renewals lapsed past its fence (an etcd election, a cut link, a paused
// process) is suspended, not deposed: etcd extends every lease when its own leader changes, so a
// renewal acknowledged after the election resumes the same term.
import type { Leadership } from '@fleet/registry';
import type { Logger, Trigger } from '@fleet/runtime';

/**
 * If `l` is suspended, acts on nothing until it leads again (a renewal was acknowledged) or
 * `stop` (the term ends); returns whether it was suspended.
 */
export async function whileSuspended(
  l: Leadership,
  trigger: Trigger,
  stop: AbortSignal,
  intervalMs: number,
  log: Logger,
): Promise<boolean> {
  if (l.isLeader() || stop.aborted) return false;
  log.warn({}, 'Engine leadership suspended: its lease renewals lapsed');
  while (!l.isLeader() && !stop.aborted) await trigger.wait(intervalMs);
  if (!stop.aborted) log.info({}, 'Engine leadership resumed: a renewal was acknowledged');
  return true;
}
