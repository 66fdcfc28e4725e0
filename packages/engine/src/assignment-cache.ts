import type { Assignment, AssignmentEvent, ResyncEvent } from '@fleet/registry';

/**
 * The leader's assignments, each with the revision of its last change, and the engine's own
 * deletes (with their revision) until the watch has passed them. An assignment event no newer than
 * what is held for its key is an old echo and is ignored (see ClusterCache).
 */
export class AssignmentCache {
  /** machineId -> unit -> assignment (with the revision of its last change). */
  private readonly byMachine = new Map<string, Map<string, Assignment>>();
  /** `machineId/unit` -> revision of a delete the engine wrote and the watch has not passed yet. */
  private readonly deleted = new Map<string, bigint>();
  /** The latest revision the assignment watch has delivered (or a listing's). */
  private watched = 0n;

  /** Replaces every assignment with a listing's, read at `revision`. */
  replace(items: readonly Assignment[], revision: string): void {
    this.byMachine.clear();
    for (const a of items) this.put(a);
    const listed = BigInt(revision);
    if (listed > this.watched) this.watched = listed;
  }

  /** Records an assignment: listed, watched, or the engine's own committed write. */
  put(a: Assignment): void {
    let byUnit = this.byMachine.get(a.machineId);
    if (byUnit === undefined) this.byMachine.set(a.machineId, (byUnit = new Map()));
    byUnit.set(a.unit, a);
    this.deleted.delete(`${a.machineId}/${a.unit}`);
  }

  /** Records an unschedule; with `revision`, the engine's own, remembered until watched. */
  delete(machineId: string, unit: string, revision?: string): void {
    const byUnit = this.byMachine.get(machineId);
    byUnit?.delete(unit);
    if (byUnit?.size === 0) this.byMachine.delete(machineId);
    if (revision !== undefined) this.deleted.set(`${machineId}/${unit}`, BigInt(revision));
  }

  /** Applies a watch event; returns whether it changed what is held (an echo does not). */
  event(e: Exclude<AssignmentEvent, ResyncEvent>): boolean {
    const rev = BigInt(e.revision);
    if (rev > this.watched) this.watched = rev;
    const [machineId, unit] =
      e.type === 'delete' ? [e.machineId, e.unit] : [e.assignment.machineId, e.assignment.unit];
    const known = this.revisionOf(machineId, unit);
    if (known !== undefined && rev <= known) return false; // an old echo: the cache holds newer
    if (e.type === 'delete') {
      if (this.byMachine.get(e.machineId)?.has(e.unit) !== true) return false;
      this.delete(e.machineId, e.unit);
      return true;
    }
    const old = this.byMachine.get(machineId)?.get(unit);
    this.put(e.assignment);
    // Our own write coming back changes nothing.
    return !(
      old !== undefined &&
      old.hash === e.assignment.hash &&
      old.desiredState === e.assignment.desiredState
    );
  }

  /** Forgets the engine's deletes the watch has passed. */
  pruneDeleted(): void {
    for (const [key, rev] of this.deleted) if (rev <= this.watched) this.deleted.delete(key);
  }

  machineIds(): IterableIterator<string> {
    return this.byMachine.keys();
  }

  holds(machineId: string): boolean {
    return this.byMachine.has(machineId);
  }

  all(): Assignment[] {
    const out: Assignment[] = [];
    for (const byUnit of this.byMachine.values()) out.push(...byUnit.values());
    return out;
  }

  /** The revision held for an assignment key (present or deleted by the engine). */
  private revisionOf(machineId: string, unit: string): bigint | undefined {
    const a = this.byMachine.get(machineId)?.get(unit);
    if (a !== undefined) return BigInt(a.revision);
    return this.deleted.get(`${machineId}/${unit}`);
  }
}
