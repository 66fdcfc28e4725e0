// Phase 1 of a planning pass: drop the assignments that are no longer valid, keep the rest where
// they are (no rebalancing).
import { compareStrings } from '@fleet/unit';
import { conflictsWith, replaceEachOther, replaces } from './cluster.js';
import { check, machineIdFilter, metadataFilter } from './filters.js';
import { circularRival, isActive, type PlanContext } from './plan-context.js';
import { Reason } from './reasons.js';
import type { SnapshotAssignment, SnapshotUnit } from './types.js';

/**
 * Drops each assignment whose unit was destroyed or made inactive, whose machine went away or no
 * longer passes `MachineID`/`MachineMetadata`, or that duplicates a non-global unit; accepts the
 * survivors in unit-name order, dropping those that clash with a unit already accepted on their
 * machine; moves followers away from machines their peer left; and updates the rest whose content
 * or desired state changed.
 */
export function keepValid(ctx: PlanContext, assignments: readonly SnapshotAssignment[]): void {
  const candidates = survivors(ctx, assignments);
  // Conflicts and Replaces among the survivors: accept in unit-name order.
  for (const assignment of candidates) {
    const unit = ctx.units.get(assignment.unit);
    if (unit === undefined) continue;
    const reason = clash(ctx, unit, assignment.machineId);
    if (reason !== undefined) {
      ctx.book.unschedule(assignment, reason);
      continue;
    }
    ctx.state.place(unit, assignment.machineId);
    ctx.book.keep(assignment);
  }
  dropStrandedFollowers(ctx);
  for (const [name, machines] of ctx.book.kept) {
    const unit = ctx.units.get(name);
    if (unit === undefined) continue;
    for (const assignment of machines.values()) ctx.book.refresh(assignment, unit);
  }
}

/** The assignments that may stay by themselves (unit, machine, filters), sorted; drops the rest. */
function survivors(
  ctx: PlanContext,
  assignments: readonly SnapshotAssignment[],
): SnapshotAssignment[] {
  const { state, book } = ctx;
  const sorted = [...assignments].sort(
    (a, b) => compareStrings(a.unit, b.unit) || compareStrings(a.machineId, b.machineId),
  );
  const candidates: SnapshotAssignment[] = [];
  const seen = new Set<string>();
  for (const assignment of sorted) {
    const { machineId } = assignment;
    const unit = ctx.units.get(assignment.unit);
    const drop = (reason: string) => book.unschedule(assignment, reason);
    if (unit === undefined) drop(Reason.unitDestroyed);
    else if (!isActive(unit)) drop(Reason.targetInactive);
    else if (!state.slots.has(machineId)) drop(Reason.machineGone(machineId));
    else if (!unit.requirements.global && state.away(machineId)) {
      drop(Reason.machineGone(machineId));
    } else if (!unit.requirements.global && seen.has(assignment.unit)) drop(Reason.duplicate);
    else {
      // A ghost's (or an away machine's) metadata is unknown: only its ID is checked.
      const ghost = state.unseen(machineId);
      const filters = ghost ? [machineIdFilter] : [machineIdFilter, metadataFilter];
      const rejection = check(filters, unit, machineId, state);
      if (rejection !== undefined) drop(Reason.cannotRun(machineId, rejection.one));
      else {
        seen.add(assignment.unit);
        candidates.push(assignment);
      }
    }
  }
  return candidates;
}

/** MachineOf: a follower whose peer is not on its machine leaves it (it moves with the peer). */
function dropStrandedFollowers(ctx: PlanContext): void {
  for (let changed = true; changed;) {
    changed = false;
    for (const [name, machines] of ctx.book.kept) {
      const unit = ctx.units.get(name);
      if (unit === undefined || unit.requirements.global) continue;
      for (const [machineId, assignment] of machines) {
        const peer = unit.requirements.machineOf.find(
          (p) => !ctx.state.machinesOf(p).has(machineId),
        );
        if (peer === undefined) continue;
        ctx.state.remove(name, machineId);
        machines.delete(machineId);
        ctx.book.unschedule(assignment, Reason.peerMoved(peer, machineId));
        changed = true;
      }
    }
  }
}

/**
 * Why a kept assignment of `unit` on `machineId` cannot stay next to the units already accepted
 * there, or elsewhere for a circular Replaces pair. A unit that replaces one already accepted
 * takes its place.
 */
function clash(ctx: PlanContext, unit: SnapshotUnit, machineId: string): string | undefined {
  const { state, match } = ctx;
  const slot = state.slots.get(machineId);
  if (slot === undefined) return undefined;
  // A unit that declares neither Conflicts= nor Replaces= can clash only with one that does (the
  // state keeps those per machine): the others are left out before sorting. Same answers in the
  // same order; most units declare neither, and this loop was the costliest part of a steady pass
  // over 10,000 units (94 → 68 ms in `npm run bench:scheduler`).
  const others = declaresRelations(unit)
    ? [...slot.units]
    : state.declaringOn(machineId).map((u) => u.name);
  for (const otherName of others.sort()) {
    const other = ctx.units.get(otherName);
    if (other === undefined) continue;
    if (conflictsWith(unit, other, match)) return Reason.conflictsOn(otherName, machineId);
    if (replaceEachOther(unit, other, match)) return Reason.replaceEachOther(otherName);
    if (replaces(other, unit, match)) return Reason.replacedBy(otherName);
    if (replaces(unit, other, match)) {
      state.remove(otherName, machineId);
      const displaced = ctx.book.release(otherName, machineId);
      if (displaced !== undefined) ctx.book.unschedule(displaced, Reason.replacedBy(unit.name));
    }
  }
  const rival = circularRival(ctx, unit);
  return rival === undefined ? undefined : Reason.replaceEachOther(rival);
}

/** Whether a unit declares `Conflicts=` or `Replaces=`. */
function declaresRelations(unit: SnapshotUnit): boolean {
  return unit.requirements.conflicts.length > 0 || unit.requirements.replaces.length > 0;
}
