/**
 * What changed in the leader's cache since its last snapshot: only these units (new ones, or ones
 * with a new desired state), or anything else too ('all': a unit destroyed or given new contents,
 * a machine, an assignment not the engine's own, a listing). A pass over the changed units only
 * (the scheduler's Planner) needs the first; anything else needs a full pass.
 */
export class UnitDelta {
  private changed: Set<string> | 'all' = 'all';

  /** A unit was created or its desired state changed. */
  unit(name: string): void {
    if (this.changed !== 'all') this.changed.add(name);
  }

  /** Anything else changed. */
  all(): void {
    this.changed = 'all';
  }

  /** How many units changed, if nothing else did (undefined otherwise). */
  get size(): number | undefined {
    return this.changed === 'all' ? undefined : this.changed.size;
  }

  /** The units that changed if nothing else did, and starts over; undefined (kept) otherwise. */
  take(): ReadonlySet<string> | undefined {
    if (this.changed === 'all') return undefined;
    const out = this.changed;
    this.changed = new Set();
    return out;
  }

  /** A full snapshot was taken: nothing changed since. */
  clear(): void {
    this.changed = new Set();
  }
}
