// The rollout part of the Registry port (docs/deploys.md): rollout records, their history, and
// the engine's fenced writes that drive a rolling update.
import type { Watch } from './registry.js';
import type {
  Rollout,
  RolloutEvent,
  RolloutInput,
  RolloutRecords,
  UnitRevert,
} from './rollout-types.js';
import type { FencingToken, Listing, Revision, UnitHead } from './types.js';

/**
 * Rollouts: one current record per group (`web@.service`, or a unit's own name) at
 * `rollout/<group>`, and the last 10 finished ones. While a current or finished record names a
 * hash (`fromHash`, `toHash`), that content is pinned: {@link Registry.getContents} keeps answering
 * it even after every unit moved off it; it is collected once no record names it any more.
 */
export interface RolloutRegistry {
  /** The current record of every group that has one, sorted by group. */
  listRollouts(): Promise<Listing<Rollout>>;

  /**
   * One group's current record (`undefined` if none) and its finished ones, newest first,
   * read at one revision.
   */
  getRollout(group: string): Promise<RolloutRecords>;

  /**
   * Engine only, fenced: creates or updates the group's current record, and moves its content
   * pins in the same transaction. Contents of `fromHash` that a replace already collected are put
   * back (from this registry's cache, or from the store as it was before a unit of the group was
   * replaced) so that agents and undo can still load them.
   * @param expectRevision write only if the current record is at this revision (`'0'`: only if
   *   there is none); without it the record is written whatever is there.
   * @returns the record as stored, with its new revision.
   * @throws NotLeaderError if `token` is not the current leader's.
   * @throws ConflictError if `expectRevision` does not match.
   */
  putRollout(
    token: FencingToken,
    record: RolloutInput,
    expectRevision?: Revision,
  ): Promise<Rollout>;

  /**
   * Engine only, fenced: moves the group's current record, as it is, into its history (write its
   * final state and `finishedAt` with {@link putRollout} first), keeping the last 10; the pins of
   * records dropped from the history go, and contents nothing else uses with them.
   * @returns the finished record (with the revision of the move), or `undefined` if the group
   *   had no current record.
   * @throws NotLeaderError if `token` is not the current leader's.
   */
  finishRollout(token: FencingToken, group: string): Promise<Rollout | undefined>;

  /**
   * Engine only, fenced: an automatic rollback's unit writes. Each unit's contents are replaced
   * as {@link Registry.replaceUnit} does (content ref moved, unused contents collected), its
   * desired state kept; one transaction per unit. Units that no longer exist are skipped.
   * @returns the heads of the units written (or already at those contents).
   * @throws NotLeaderError if `token` is not the current leader's.
   */
  revertUnits(token: FencingToken, changes: readonly UnitRevert[]): Promise<UnitHead[]>;

  /**
   * An operator's pause (`paused`, only of a `running` rollout) or resume (`running`, only of a
   * `paused` one), by compare-and-swap on the record; `reason` is kept with a pause and cleared
   * by a resume. Not fenced: the engine sees the change through {@link watchRollouts}.
   * @returns the record as stored.
   * @throws RolloutNotFoundError if the group has no current rollout.
   * @throws RolloutStateError if the rollout is in another state.
   */
  setRolloutState(group: string, state: 'paused' | 'running', reason?: string): Promise<Rollout>;

  /**
   * As {@link Registry.watchUnits}, for current rollout records: `put` on every write, `delete`
   * when a rollout finished (moved to history).
   */
  watchRollouts(afterRevision: Revision, onEvent: (e: RolloutEvent) => void): Watch;
}
