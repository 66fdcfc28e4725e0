// The rollout records of docs/deploys.md: what `rollout/<group>` and `rollout-history/...` hold,
// and what the API answers, field for field.
import type { RolloutData, UnitOption } from '@fleet/unit';
import type { ResyncEvent, Revision } from './types.js';

export type { CopyPhase, RolloutCopy, RolloutPolicy, RolloutState } from '@fleet/unit';

/** A rollout as the engine writes it (everything but the store's revision). */
export type RolloutInput = RolloutData;

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
