import type { Clock } from '@fleet/runtime';

/**
 * etcd revokes expired leases in a loop that runs every 500 ms, and the delete then reaches the
 * watch: a dead machine's record may outlive its TTL by this much.
 */
export const EXPIRY_SLACK_MS = 1_000;

/**
 * Machines a new leader places no new unit on while they may be dead: the previous leader's
 * machine, when this term began because the leader key vanished.
 *
 * Why: a leader's fleetd that is killed takes its agent with it, but its machine record lives until
 * its agent lease expires, and the new leader may win before that (its lease is shorter than an
 * agent TTL). Planning on the record alone, it placed new units on the dead machine, where they
 * waited for the record to expire and then moved: 26 s to start a unit after a leader kill.
 *
 * A suspect keeps every unit it has (it is offered to the planner as a ghost); only new placements
 * avoid it. The suspicion ends when its record is written (a restarted fleetd registered it again,
 * or its agent refreshed it: it is alive) or deleted (it expired: its units move as for any lost
 * machine), or when the record has outlived, by the machine's TTL (and {@link EXPIRY_SLACK_MS}),
 * the start of this term: the previous leader died before its key expired, so a lease renewed
 * before its death has run out by then, and a record still there was renewed since.
 *
 * A leader that resigned deletes its key just as one whose key expired (etcd's watch tells the two
 * apart in no way): its machine is suspect too. A fleetd stopping with SIGTERM drains its machine
 * and leaves (the delete ends the suspicion), or, with drain_on_shutdown=false, lets its record
 * expire; only an engine that resigned alone (its term ended by a fault) leaves a live machine
 * suspect, for at most one TTL, and for new units only.
 */
export class SuspectMachines {
  /** Machine ID -> when the term that suspects it began (monotonic ms). */
  private readonly since = new Map<string, number>();
  /** Machine ID -> when the suspicion ends (monotonic ms), once its record's TTL is known. */
  private readonly until = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    /** A suspect's TTL when its record carries none (ms). */
    private readonly fallbackTtlMs: number,
  ) {}

  /** The previous leader's machine, suspected at the start of this term. */
  private previous: string | undefined;

  /**
   * The term's answer of {@link diedAlone}, decided at its first call (`false`: none). Decided
   * again as machines register, the previous leader's machine became "the only one unseen" when
   * it was merely the last to come back after an outage, and its units were stopped and started.
   */
  private verdict: string | false | undefined;

  /** Suspects a machine from now on, the start of a term (until its record is read). */
  suspect(id: string): void {
    this.previous = id;
    this.verdict = undefined;
    this.since.set(id, this.clock.monotonic());
    this.until.delete(id);
  }

  /**
   * The machine records were listed: a suspect's suspicion ends its record's TTL (the fallback if
   * the record has none) after the term began; a suspect not listed is gone, no longer suspect. A
   * listing proves nothing else: a record is read as it was, renewed or not.
   */
  listed(records: readonly { id: string; ttlSeconds?: number }[]): void {
    if (this.since.size === 0) return;
    const byId = new Map(records.map((r) => [r.id, r]));
    for (const [id, since] of this.since) {
      const record = byId.get(id);
      if (record === undefined) this.seen(id);
      else if (!this.until.has(id)) {
        const ttlMs =
          record.ttlSeconds === undefined ? this.fallbackTtlMs : record.ttlSeconds * 1000;
        this.until.set(id, since + ttlMs + EXPIRY_SLACK_MS);
      }
    }
  }

  /** Its record was written or deleted: no longer a suspect. */
  seen(id: string): void {
    this.since.delete(id);
    this.until.delete(id);
  }

  /** Whether a machine takes no new unit now (a suspect whose record has not been read is one). */
  has(id: string): boolean {
    if (!this.since.has(id)) return false;
    const until = this.until.get(id);
    if (until !== undefined && this.clock.monotonic() >= until) {
      this.seen(id);
      return false;
    }
    return true;
  }

  /**
   * Of the machines that hold assignments but have not been seen registered this term, the
   * previous leader's, if it is the only one: it died with its engine, and its record expired
   * before this term began. It gets no grace (its units move as any lost machine's): the grace is
   * for machines registering again after an outage that expired their leases, and such an outage
   * leaves other machines unregistered too. Decided once per term, from the first snapshot's
   * machines: later, as the others register, the last one back is not a machine that died alone.
   */
  diedAlone(unseen: readonly string[]): string | undefined {
    if (this.verdict === undefined) {
      const alone = unseen.length === 1 && unseen[0] === this.previous;
      this.verdict = alone && this.previous !== undefined ? this.previous : false;
    }
    return this.verdict === false ? undefined : this.verdict;
  }

  /** When the first suspicion runs out (monotonic ms; Infinity if none will). */
  nextEnd(): number {
    let first = Infinity;
    for (const until of this.until.values()) first = Math.min(first, until);
    return first;
  }

  /** How many machines are suspect (for tests and state dumps). */
  get size(): number {
    return this.since.size;
  }
}
