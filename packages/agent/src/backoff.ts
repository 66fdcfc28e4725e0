import { backoff, type BackoffPolicy } from '@fleet/runtime';
import type { AgentDesired } from '@fleet/scheduler';

/**
 * 5 s (one reconcile interval) doubling to 5 min, without jitter: the retries are of one
 * machine's own systemd, not of a store that many machines wait on together.
 */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 5_000, maxMs: 300_000 };

interface Entry {
  /** The assignment (hash and desired state) that failed. */
  readonly key: string;
  readonly failures: number;
  readonly until: number;
}

const keyOf = (d: AgentDesired): string => `${d.hash}/${d.desiredState}`;

/**
 * Per-unit retry backoff for units systemd will not load or start: a failure holds the unit back
 * for `initialMs`, doubling with each further failure up to `maxMs`. A unit starts afresh when its
 * assignment (hash or desired state) changes, when it is no longer assigned, or when a start
 * succeeds. Pure bookkeeping: the caller passes the time.
 */
export class RetryBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly policy: BackoffPolicy = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  /** Forgets units that are no longer assigned here or whose assignment changed. */
  sync(desired: readonly AgentDesired[]): void {
    const now = new Map(desired.map((d) => [d.unit, keyOf(d)]));
    for (const [unit, e] of this.entries) if (now.get(unit) !== e.key) this.entries.delete(unit);
  }

  /** Units still waiting out their backoff at `now`. */
  held(now: number): Set<string> {
    const out = new Set<string>();
    for (const [unit, e] of this.entries) if (e.until > now) out.add(unit);
    return out;
  }

  /** Records a failure of `d` at `now`; returns how many in a row and the delay before a retry. */
  failed(d: AgentDesired, now: number): { failures: number; delayMs: number } {
    const prev = this.entries.get(d.unit);
    const failures = prev?.key === keyOf(d) ? prev.failures + 1 : 1;
    const delayMs = backoff(failures, this.policy, this.random);
    this.entries.set(d.unit, { key: keyOf(d), failures, until: now + delayMs });
    return { failures, delayMs };
  }

  /** A start of `unit` went through: its next failure starts the backoff afresh. */
  succeeded(unit: string): void {
    this.entries.delete(unit);
  }
}
