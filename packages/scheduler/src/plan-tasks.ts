import { compareStrings } from '@fleet/unit';
import { ungated, type ContentGate } from './content-gate.js';
import type { Plan, SnapshotAssignment, SnapshotUnit, Task, Waiting } from './types.js';
import { Reason } from './reasons.js';

type Unschedule = Extract<Task, { kind: 'unschedule' }>;
type Schedule = Extract<Task, { kind: 'schedule' }>;
type Update = Extract<Task, { kind: 'update' }>;

const assignmentKey = (unit: string, machineId: string) => `${unit}\u0000${machineId}`;

/**
 * The plan as one pass writes it: its tasks (unschedules, updates, schedules), the units that
 * wait with why, and the assignments kept from the snapshot. It holds the rule "one task per
 * assignment": an assignment unscheduled and then scheduled again in the same pass is kept, with
 * at most an update, and an unscheduled assignment gets no update.
 */
export class TaskBook {
  private readonly unschedules: Unschedule[] = [];
  private readonly updates: Update[] = [];
  private readonly schedules: Schedule[] = [];
  /** Unit -> why it is not (fully) placed. */
  readonly waiting = new Map<string, string>();
  /**
   * Assignments kept from the snapshot: unit -> machine -> assignment. A pass over the changed
   * units only (planner.ts) starts from every assignment the last pass left.
   */
  readonly kept: Map<string, Map<string, SnapshotAssignment>>;
  /** Assignments unscheduled so far this pass, by {@link assignmentKey}: a later schedule there keeps them. */
  private readonly dropped = new Map<string, SnapshotAssignment>();

  constructor(
    kept = new Map<string, Map<string, SnapshotAssignment>>(),
    /** Which contents a kept assignment gets (see ContentGate; by default its unit's). */
    private readonly gate: ContentGate = ungated,
  ) {
    this.kept = kept;
  }

  /** Records `assignment` as kept where it is. */
  keep(assignment: SnapshotAssignment): void {
    let machines = this.kept.get(assignment.unit);
    if (machines === undefined) this.kept.set(assignment.unit, (machines = new Map()));
    machines.set(assignment.machineId, assignment);
  }

  /** Takes the kept assignment of `unit` on `machineId` out of the kept ones, if there is one. */
  release(unit: string, machineId: string): SnapshotAssignment | undefined {
    const assignment = this.kept.get(unit)?.get(machineId);
    this.kept.get(unit)?.delete(machineId);
    return assignment;
  }

  /** Brings a kept assignment to the unit's current contents and target state, if they changed. */
  refresh(assignment: SnapshotAssignment, unit: SnapshotUnit): void {
    const hash = this.gate(assignment, unit);
    if (assignment.hash !== hash) {
      const reason = hash === unit.hash ? Reason.contentChanged : Reason.contentReverted;
      this.update(assignment, unit, hash, reason);
    } else if (assignment.desiredState !== unit.desiredState) {
      this.update(
        assignment,
        unit,
        hash,
        Reason.stateChanged(assignment.desiredState, unit.desiredState),
      );
    }
  }

  unschedule(assignment: SnapshotAssignment, reason: string): void {
    const { unit, machineId } = assignment;
    this.unschedules.push({ kind: 'unschedule', unit, machineId, reason });
    this.dropped.set(assignmentKey(unit, machineId), assignment);
    // An unscheduled assignment needs no update.
    const index = this.updates.findIndex((t) => t.unit === unit && t.machineId === machineId);
    if (index >= 0) this.updates.splice(index, 1);
  }

  private update(
    assignment: SnapshotAssignment,
    unit: SnapshotUnit,
    hash: string,
    reason: string,
  ): void {
    this.updates.push({
      kind: 'update',
      unit: assignment.unit,
      machineId: assignment.machineId,
      hash,
      desiredState: unit.desiredState,
      reason,
    });
  }

  /**
   * Places `unit` on `machineId`. If this pass unscheduled it there (a follower whose new peer
   * lands on its machine, a unit made non-global that stays on one of its machines, ...), the
   * assignment is kept instead: the unschedule is withdrawn and at most an update is planned, so
   * the plan never holds two tasks for one assignment (the registry refuses such a batch whole).
   */
  schedule(unit: SnapshotUnit, machineId: string, reason: string): void {
    const key = assignmentKey(unit.name, machineId);
    const dropped = this.dropped.get(key);
    if (dropped !== undefined) {
      this.dropped.delete(key);
      const index = this.unschedules.findIndex(
        (t) => t.unit === unit.name && t.machineId === machineId,
      );
      if (index >= 0) this.unschedules.splice(index, 1);
      this.keep(dropped);
      this.refresh(dropped, unit);
      return;
    }
    this.schedules.push({
      kind: 'schedule',
      unit: unit.name,
      machineId,
      hash: unit.hash,
      desiredState: unit.desiredState,
      reason,
    });
  }

  /** Cancels a schedule task made earlier in this pass. */
  dropScheduled(unit: string, machineId: string): void {
    const index = this.schedules.findIndex((t) => t.unit === unit && t.machineId === machineId);
    if (index >= 0) this.schedules.splice(index, 1);
  }

  result(): Plan {
    const waiting: Waiting[] = [...this.waiting.entries()]
      .sort((a, b) => compareStrings(a[0], b[0]))
      .map(([unit, reason]) => ({ unit, reason }));
    return { tasks: [...this.unschedules, ...this.updates, ...this.schedules], waiting };
  }
}
