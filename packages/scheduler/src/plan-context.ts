import { compareStrings } from '@fleet/unit';
import type { ClusterState, GlobMatcher } from './cluster.js';
import { replaceEachOther } from './cluster.js';
import type { TaskBook } from './plan-tasks.js';
import type { SnapshotUnit } from './types.js';

/** What every phase of one planning pass works on. */
export interface PlanContext {
  /** Where units are placed so far: machines, their units, loads, glob indexes. */
  readonly state: ClusterState;
  /** The snapshot's units by name, in name order. */
  readonly units: ReadonlyMap<string, SnapshotUnit>;
  /** The plan being written. */
  readonly book: TaskBook;
  /** The pass's memoised glob matcher. */
  readonly match: GlobMatcher;
}

/** A unit that wants to run somewhere (loaded or launched). */
export const isActive = (unit: SnapshotUnit): boolean => unit.desiredState !== 'inactive';

export const byName = <T extends { name: string }>(a: T, b: T): number =>
  compareStrings(a.name, b.name);

/**
 * The placed unit (first by name) that forms a circular Replaces pair with `unit`, if any. By
 * name, not by when it was placed: a pass over the changed units only (planner.ts) must give the
 * same reason as a full pass, whose units are placed in another order.
 */
export function circularRival(ctx: PlanContext, unit: SnapshotUnit): string | undefined {
  if (unit.requirements.replaces.length === 0) return undefined;
  let rival: string | undefined;
  for (const [name] of ctx.state.placed) {
    if (rival !== undefined && compareStrings(name, rival) >= 0) continue;
    const other = ctx.units.get(name);
    // Only a unit with Replaces= of its own can replace `unit` back: skip the rest unmatched.
    if (other === undefined || other.requirements.replaces.length === 0) continue;
    if (replaceEachOther(unit, other, ctx.match)) rival = name;
  }
  return rival;
}
