import type { DesiredState, FleetRequirements } from '@fleet/unit';

/** A unit as the scheduler sees it: its desired state and its parsed `[X-Fleet]` requirements. */
export interface SnapshotUnit {
  readonly name: string;
  readonly hash: string;
  readonly desiredState: DesiredState;
  readonly requirements: FleetRequirements;
}

/** A live machine (its presence lease is held). */
export interface SnapshotMachine {
  readonly id: string;
  readonly metadata: Readonly<Record<string, string>>;
  /**
   * Not seen live, but a new engine leader's grace period is not over: the units assigned to it
   * stay (its agent may be re-registering after an outage), and nothing new is placed on it.
   */
  readonly ghost?: boolean;
  /**
   * Its record vanished (its lease expired) a short while ago: the global units assigned to it
   * stay (after a partition its agent still runs them; fleet's agents kept their globals through a
   * cut), its other units move at once, and nothing new is placed on it.
   */
  readonly away?: boolean;
  /** An operator's cordon or drain (docs/operating.md): it takes no new unit. */
  readonly admin?: 'cordoned' | 'draining';
}

/**
 * Unit `unit` is scheduled to machine `machineId`; the agent there runs `hash` in `desiredState`.
 * The registry's `Assignment` as the planner reads it: the same record without its revision
 * (the scheduler imports no registry; a registry `Assignment` is one of these).
 */
export interface SnapshotAssignment {
  readonly unit: string;
  readonly machineId: string;
  readonly hash: string;
  readonly desiredState: DesiredState;
}

/** Plain immutable data read for one reconcile pass. */
export interface Snapshot {
  readonly units: readonly SnapshotUnit[];
  readonly machines: readonly SnapshotMachine[];
  readonly assignments: readonly SnapshotAssignment[];
}

/** One step that moves the cluster towards its desired state, always with a human reason. */
export type Task =
  | {
      readonly kind: 'schedule';
      readonly unit: string;
      readonly machineId: string;
      readonly hash: string;
      readonly desiredState: DesiredState;
      readonly reason: string;
    }
  | {
      readonly kind: 'unschedule';
      readonly unit: string;
      readonly machineId: string;
      readonly reason: string;
    }
  | {
      readonly kind: 'update';
      readonly unit: string;
      readonly machineId: string;
      readonly hash: string;
      readonly desiredState: DesiredState;
      readonly reason: string;
    };

/** Why a unit is not (fully) placed: shown by `fleetctl` and the API instead of hanging silently. */
export interface Waiting {
  readonly unit: string;
  readonly reason: string;
}

/** The result of one planning pass. Tasks are ordered: unschedules, then updates, then schedules. */
export interface Plan {
  readonly tasks: readonly Task[];
  /** Units (sorted by name) that want to run but could not be placed everywhere they should be. */
  readonly waiting: readonly Waiting[];
}
