// What one step of a rollout reads and decides. The record itself (docs/deploys.md, "The rollout
// record") is `@fleet/unit`'s RolloutData, which the registry stores; the scheduler imports no
// registry.
import type { DesiredState, RolloutData, RolloutPolicy, RolloutState } from '@fleet/unit';

export type { CopyPhase, RolloutCopy, RolloutPolicy, RolloutState } from '@fleet/unit';

/** A rollout record; `revision` is the store's, when read from it. */
export interface RolloutRecord extends RolloutData {
  readonly revision?: string;
}

/** A unit of the group as the step reads it. */
export interface RolloutUnit {
  readonly name: string;
  readonly hash: string;
  readonly desiredState: DesiredState;
  /** Its `Update*` settings: the new version's drive its own rollout. */
  readonly policy: RolloutPolicy;
  /** Whether it has a health check (a copy is then healthy only once one passed). */
  readonly healthCheck?: boolean;
}

/** Where a copy runs and which contents the engine gave it. */
export interface RolloutAssignment {
  readonly unit: string;
  readonly machineId: string;
  readonly hash: string;
}

/** What a machine's agent published about a copy (the registry's `UnitState`, in part). */
export interface RolloutUnitState {
  readonly unit: string;
  readonly machineId: string;
  readonly hash: string;
  readonly activeState: string;
  readonly subState?: string;
  /** The health check's last result; absent when the unit has no check or it has not run. */
  readonly health?: { readonly status: 'passing' | 'failing'; readonly output?: string };
}

/** Everything one step of one group's rollout reads. */
export interface RolloutInput {
  readonly group: string;
  /** The group's current record (a finished one counts as none). */
  readonly record?: RolloutRecord | undefined;
  /** The largest rollout `id` this group has had (history included); 0 if none. */
  readonly lastId?: number;
  /** The group's units (those without an assignment are not copies). */
  readonly units: readonly RolloutUnit[];
  /** The group's assignments. */
  readonly assignments: readonly RolloutAssignment[];
  /** The group's published unit states. */
  readonly states: readonly RolloutUnitState[];
  /** Wall-clock time, ms since the epoch. */
  readonly now: number;
}

export type RolloutEventKind =
  | 'rollout.started'
  | 'rollout.step'
  | 'rollout.succeeded'
  | 'rollout.failed'
  | 'rollout.rolled-back';

/** An event to append to the cluster log (docs/deploys.md, "Events"), without id and time. */
export interface RolloutLogEvent {
  readonly kind: RolloutEventKind;
  readonly group: string;
  readonly unit?: string;
  readonly machineId?: string;
  readonly message: string;
}

/** A copy named by unit and machine. */
export interface CopyRef {
  readonly unit: string;
  readonly machineId: string;
}

/** What one step decided. */
export interface RolloutStep {
  /** The group's record after the step; `undefined`: no rollout (nothing to roll). */
  readonly record: RolloutRecord | undefined;
  /** The record changed: write it (fenced). */
  readonly write: boolean;
  /** The record reached its end (succeeded, rolled back, or superseded): move it to history. */
  readonly finished: boolean;
  /** A record this step ended because the group changed under it: finish it before `record`. */
  readonly superseded?: RolloutRecord;
  /** Copies released now: they get their unit's new contents. */
  readonly release: readonly CopyRef[];
  /** Copies put back now: they get `record.fromHash`. */
  readonly revert: readonly CopyRef[];
  /** Units whose contents must be written back to `record.fromHash` (fenced). */
  readonly revertUnits: readonly string[];
  readonly events: readonly RolloutLogEvent[];
}

/** States in which a record is still the group's current one (it has not ended). */
export const OPEN_STATES: ReadonlySet<RolloutState> = new Set<RolloutState>([
  'running',
  'paused',
  'failed',
  'rolling-back',
]);

/** Whether a record is still open (it gates its group's copies). */
export function isOpen(record: RolloutRecord | undefined): record is RolloutRecord {
  return record !== undefined && OPEN_STATES.has(record.state);
}
