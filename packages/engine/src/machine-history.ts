import { systemClock, type Clock } from '@fleet/runtime';

/**
 * What a leader remembers about machines during one term, across its cache reloads: the machines
 * it has seen live (never ghosts), since when a machine that still holds assignments has been
 * missing, and the largest session TTL in any machine record it has read. Bounded: `prune`
 * forgets every machine that is neither live nor holding an assignment, so machine IDs that come
 * and go (an autoscaled fleet) do not pile up over a long term.
 */
export class MachineHistory {
  private readonly seen = new Set<string>();
  private readonly missingSince = new Map<string, number>();

  constructor(
    readonly clock: Clock = systemClock,
    /** Told the TTL (seconds) of every machine record read. */
    private readonly onTtl: (ttlSeconds: number) => void = () => undefined,
  ) {}

  /** A machine's record was read: it is live. */
  live(id: string, ttlSeconds: number | undefined): void {
    this.seen.add(id);
    this.missingSince.delete(id);
    if (ttlSeconds !== undefined) this.onTtl(ttlSeconds);
  }

  /** Whether the machine has been seen live this term. */
  seenLive(id: string): boolean {
    return this.seen.has(id);
  }

  /** How long (ms) a machine that holds assignments has been missing; counts from the first ask. */
  missingFor(id: string): number {
    const now = this.clock.monotonic();
    const since = this.missingSince.get(id);
    if (since === undefined) this.missingSince.set(id, now);
    return since === undefined ? 0 : now - since;
  }

  /** When the machine missing the longest was first found missing (Infinity if none is). */
  firstMissingAt(): number {
    let first = Infinity;
    for (const since of this.missingSince.values()) first = Math.min(first, since);
    return first;
  }

  /** Forgets the machines for which `keep` is false. */
  prune(keep: (id: string) => boolean): void {
    for (const id of this.seen) if (!keep(id)) this.seen.delete(id);
    for (const id of this.missingSince.keys()) if (!keep(id)) this.missingSince.delete(id);
  }

  /** How many machines are remembered. */
  get size(): number {
    return new Set([...this.seen, ...this.missingSince.keys()]).size;
  }
}
