// The rollout record of docs/deploys.md as plain data: what the registry stores at
// `rollout/<group>`, what the scheduler's rollout step reads and writes, and what the API
// answers, field for field. Here because both the registry and the scheduler use it and neither
// may import the other.
import type { RolloutPolicy } from './rollout-policy.js';

/** Where a rollout is. `succeeded`, `failed` (without auto-revert) and `rolled-back` are final. */
export type RolloutState =
  'running' | 'paused' | 'succeeded' | 'failed' | 'rolling-back' | 'rolled-back';

/**
 * Where one copy is: `pending` (old version), `replacing` (released: new version, not done yet),
 * `done`, `failed`, `reverted` (put back to the old version by a rollback).
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

/** A rollout record without the store's revision (what the engine writes). */
export interface RolloutData {
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
