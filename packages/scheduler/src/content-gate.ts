// Which contents a kept assignment gets. By default its unit's (a changed unit reaches every copy
// at once); during a rolling update only the copies the rollout released get the new contents,
// and copies put back get the old ones (docs/deploys.md, "Rollout groups").
import { isOpen, type RolloutCopy, type RolloutRecord } from './rollout-types.js';
import type { SnapshotAssignment, SnapshotUnit } from './types.js';

/**
 * The hash a kept `assignment` of `unit` should carry; the planner plans an update when it
 * differs from the assignment's. Called once per kept assignment and pass: keep it cheap, and
 * give the same answer until the caller marks the unit changed.
 */
export type ContentGate = (assignment: SnapshotAssignment, unit: SnapshotUnit) => string;

/** No rollouts: every copy gets its unit's contents at once. */
export const ungated: ContentGate = (_assignment, unit) => unit.hash;

/**
 * The hash a copy carries under its group's rollout `record` (the group's open record, or
 * `undefined`): with no open record the copy keeps what it has (a copy on other contents than its
 * unit's waits for a rollout to start); a pending copy keeps its contents, a released one gets the
 * rollout's new contents, a copy put back gets the old ones (even while its unit still carries the
 * new: the rollback writes the units back after).
 */
export function gatedHash(
  record: RolloutRecord | undefined,
  assignment: SnapshotAssignment,
  unit: SnapshotUnit,
): string {
  if (!isOpen(record)) return assignment.hash;
  switch (copyOf(record, assignment)?.phase) {
    case undefined:
    case 'pending':
      return assignment.hash;
    case 'reverted':
      return record.fromHash;
    default:
      return record.state !== 'rolling-back' && unit.hash === record.toHash
        ? unit.hash
        : assignment.hash;
  }
}

/** Each record's copies by unit and machine, built once per record (records are immutable). */
const indexes = new WeakMap<RolloutRecord, Map<string, RolloutCopy>>();

function copyOf(record: RolloutRecord, a: SnapshotAssignment): RolloutCopy | undefined {
  let index = indexes.get(record);
  if (index === undefined) {
    index = new Map(record.copies.map((c) => [`${c.unit}\u0000${c.machineId}`, c]));
    indexes.set(record, index);
  }
  return index.get(`${a.unit}\u0000${a.machineId}`);
}
