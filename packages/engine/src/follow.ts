// A follower's wait for leadership: it watches the leader key instead of campaigning every
// interval (with a thousand fleetds that polling alone was ~1,500 etcd requests/s).
import type { EngineStore } from '@fleet/registry';
import type { Clock } from '@fleet/runtime';

/** Why a follower stopped following. */
export type FollowEnd = 'vacant' | 'resync' | 'recheck';

/** How a follower follows. */
export interface FollowOptions {
  readonly clock: Clock;
  /** A vacated key is campaigned for after a random delay below this. */
  readonly jitterMs: number;
  /** Campaign at least this often even if the watch said nothing. */
  readonly recheckMs: number;
  /** In [0, 1). */
  readonly random: () => number;
  /** Told the candidate ID of every leader the watch shows. */
  readonly onLeader?: (candidateId: string) => void;
}

/**
 * Waits on the leader key. Ends when the key has been vacant for a random jitter (another
 * follower's win meanwhile calls it off), when the watch asks for a resync, on abort, or after the
 * recheck time.
 */
export function followLeader(
  store: EngineStore,
  signal: AbortSignal,
  { clock, jitterMs, recheckMs, random, onLeader }: FollowOptions,
): Promise<FollowEnd> {
  return new Promise((resolve) => {
    let done = false;
    let cancelJitter: (() => void) | undefined;
    const finish = (why: FollowEnd): void => {
      if (done) return;
      done = true;
      cancelRecheck();
      cancelJitter?.();
      signal.removeEventListener('abort', onAbort);
      void watch.close();
      resolve(why);
    };
    const onAbort = () => finish('recheck');
    const cancelRecheck = clock.setTimer(recheckMs, () => finish('recheck'));
    signal.addEventListener('abort', onAbort, { once: true });
    const watch = store.watchLeader((e) => {
      if (e.type === 'resync') return finish('resync');
      if (e.leader !== undefined) {
        onLeader?.(e.leader.candidateId);
        cancelJitter?.(); // someone else won: keep following
        cancelJitter = undefined;
      } else if (cancelJitter === undefined) {
        const delay = Math.floor(random() * jitterMs);
        cancelJitter = clock.setTimer(delay, () => finish('vacant'));
      }
    });
    if (signal.aborted) finish('recheck');
  });
}
