// How the leader's loop decides about an error of its term, by the error rather than by the call
// site: a retryable one (etcd unreachable, a conflict) is waited out, a refused fenced write means
// the term is over, and anything else ends the term too (logged as an error): the engine resigns,
// so another engine, or this one afresh, takes over instead of a leader stuck on a fault.
import { NotLeaderError } from '@fleet/registry';
import { isRetryable } from '@fleet/runtime';

/** What a leader does about an error: back off and stay, give the term up, or end it as a fault. */
export type Verdict = 'retry' | 'not-leader' | 'fatal';

export function verdictOf(err: unknown): Verdict {
  if (err instanceof NotLeaderError) return 'not-leader';
  return isRetryable(err) ? 'retry' : 'fatal';
}
