// The rollout records of the /fleet/x API, as docs/deploys.md fixes them.

/** Where a rollout is. */
export type WireRolloutState =
  'running' | 'paused' | 'succeeded' | 'failed' | 'rolling-back' | 'rolled-back';

/** Where one copy of the group is. */
export type WireCopyPhase = 'pending' | 'replacing' | 'done' | 'failed' | 'reverted';

/** One copy: a unit on a machine. */
export interface WireRolloutCopy {
  readonly unit: string;
  readonly machineId: string;
  readonly phase: WireCopyPhase;
  readonly replacedAt?: string;
  readonly healthySince?: string;
}

/** The settings the rollout runs with. */
export interface WireRolloutPolicy {
  readonly maxParallel: number;
  readonly minHealthySec: number;
  readonly healthyDeadlineSec: number;
  readonly autoRevert: boolean;
}

/** A rollout record. */
export interface WireRollout {
  readonly group: string;
  readonly id: number;
  readonly state: WireRolloutState;
  readonly fromHash: string;
  readonly toHash: string;
  readonly units: readonly string[];
  readonly policy: WireRolloutPolicy;
  readonly copies: readonly WireRolloutCopy[];
  readonly reason?: string;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly finishedAt?: string;
  readonly revision: string;
}

/** `GET /fleet/x/rollouts/{group}`: the current record (null if none) and history, newest first. */
export interface WireRolloutRecords {
  readonly current: WireRollout | null;
  readonly history: readonly WireRollout[];
}

/** `POST /fleet/x/rollouts/{group}/undo`: the version left, the version restored, the units. */
export interface WireRolloutUndo {
  readonly group: string;
  readonly fromHash: string;
  readonly toHash: string;
  readonly units: readonly string[];
}
