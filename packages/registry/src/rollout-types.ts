// The rollout records of docs/deploys.md: what `rollout/<group>` and `rollout-history/...` hold,
// and what the API answers, field for field.
import type { RolloutPolicy, UnitOption } from '@fleet/unit';
import type { ResyncEvent, Revision } from './types.js';

export type { RolloutPolicy } from '@fleet/unit';

/** Where a rollout is. `succeeded`, `failed` (without auto-revert) and `rolled-back` are final. */
export type RolloutState =
  'running' | 'paused' | 'succeeded' | 'failed' | 'rolling-back' | 'rolled-back';

/**
 * Where one copy is: `pending` (old version), `replacing` (new version, not done yet), `done`,
 * `failed`, `reverted` (put back to the old version by a rollback).
 */
export type CopyPhase = 'pending' | 'replacing' | 'done' | 'failed' | 'reverted';

/** One copy of the group: a unit on a machine (a global unit has one per machine). */
export interface RolloutCopy {
  readonly unit: string;
  readonly machineId: string;
  readonly phase: CopyPhase;
  /** ISO time the engine gave the copy the new version. */
  readonly replacedAt?: string;
  /** ISO time since which the engine has seen the copy healthy without a lapse. */
  readonly healthySince?: string;
}

/** A rollout as the engine writes it (everything but the store's revision). */
export interface RolloutInput {
  /** The rollout group: a template (`web@.service`) or a unit's own name. */
  readonly group: string;
  /** Counts the group's rollouts from 1. */
  readonly id: number;
  readonly state: RolloutState;
  /** The version being replaced (40 hex). */
  readonly fromHash: string;
  /** The version being rolled out (40 hex). */
  readonly toHash: string;
  /** The group's units the rollout covers. */
  readonly units: readonly string[];
  readonly policy: RolloutPolicy;
  readonly copies: readonly RolloutCopy[];
  /** Why it failed, or was paused or undone. */
  readonly reason?: string;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly finishedAt?: string;
}

/** A stored rollout record. */
export interface Rollout extends RolloutInput {
  /** The etcd mod revision of the record: pass it as `expectRevision` to update it. */
  readonly revision: Revision;
}

/** A group's rollouts: the current one, and the finished ones, newest first (at most 10). */
export interface RolloutRecords {
  readonly current: Rollout | undefined;
  readonly history: readonly Rollout[];
}

/** New contents for one unit, written back by an automatic rollback (desired state kept). */
export interface UnitRevert {
  readonly name: string;
  readonly options: readonly UnitOption[];
}

/** Changes to current rollout records (finishing one deletes it: it moved to history). */
export type RolloutEvent =
  | { readonly type: 'put'; readonly rollout: Rollout; readonly revision: Revision }
  | { readonly type: 'delete'; readonly group: string; readonly revision: Revision }
  | ResyncEvent;
