// A follower's wait for leadership: it watches the leader key instead of campaigning every
// interval (with a thousand fleetds that polling alone was ~1,500 etcd requests/s). Its periodic
// recheck reads the key under the same watch: closing the watch, campaigning and watching again
// cost six etcd requests (a lease granted and revoked, a txn, a read, a watch created and
// cancelled) per follower per recheck, and every follower started together rechecked together.
import type { EngineStore } from '@fleet/registry';
import { jittered, type Clock } from '@fleet/runtime';

/** Why a follower stopped following. */
export type FollowEnd = 'vacant' | 'resync' | 'recheck';

/** How a follower follows. */
export interface FollowOptions {
  readonly clock: Clock;
  /** A vacated key is campaigned for after a random delay below this. */
  readonly jitterMs: number;
  /** Read the leader key about this often (±20 %) even if the watch said nothing. */
  readonly recheckMs: number;
  /** In [0, 1). */
  readonly random: () => number;
  /** Told the candidate ID of every leader the watch shows. */
  readonly onLeader?: (candidateId: string) => void;
}

/**
 * Waits on the leader key. Ends when the key has been vacant for a random jitter (another
 * follower's win meanwhile calls it off), when the watch asks for a resync, on abort (`recheck`),
 * or when a recheck's read of the key fails (`recheck`: the caller campaigns, which tells).
 */
export function followLeader(
  store: EngineStore,
  signal: AbortSignal,
  { clock, jitterMs, recheckMs, random, onLeader }: FollowOptions,
): Promise<FollowEnd> {
  return new Promise((resolve) => {
    let done = false;
    let cancelJitter: (() => void) | undefined;
    let cancelRecheck: () => void = () => {};
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
    const seen = (leader: string | undefined): void => {
      if (done) return;
      if (leader !== undefined) {
        cancelJitter?.(); // someone else won: keep following
        cancelJitter = undefined;
      } else if (cancelJitter === undefined) {
        const delay = Math.floor(random() * jitterMs);
        cancelJitter = clock.setTimer(delay, () => finish('vacant'));
      }
    };
    const recheck = (): void => {
      cancelRecheck = clock.setTimer(jittered(recheckMs, 0.2, random), () => {
        store.getLeader().then(
          (leader) => {
            // Only a vacancy counts: a leader read here may be older than the watch's news.
            if (leader === undefined) seen(undefined);
            if (!done) recheck();
          },
          () => finish('recheck'),
        );
      });
    };
    recheck();
    signal.addEventListener('abort', onAbort, { once: true });
    const watch = store.watchLeader((e) => {
      if (e.type === 'resync') return finish('resync');
      if (e.leader !== undefined) onLeader?.(e.leader.candidateId);
      seen(e.leader?.candidateId);
    });
    if (signal.aborted) finish('recheck');
  });
}
