// A unit's current state as the API reports it, from its assignment and the state the assigned
// machine published. One pure rule, kept apart so it can be read and table-tested on its own.
import type { UnitState } from '@fleet/registry';
import type { DesiredState } from '@fleet/unit';

/** `currentState` of a non-global unit: the same three words as the desired state. */
export type CurrentState = DesiredState;

/** systemd active states that count as "started" when the agent did not say. */
const STARTED_ACTIVE_STATES: ReadonlySet<string> = new Set(['active', 'activating', 'reloading']);

/** What the rule needs from the state the assigned machine published. */
export interface PublishedState {
  readonly hash: string;
  readonly activeState: string;
  /** What the agent says it did with the unit, when it says (newer agents do). */
  readonly state?: 'loaded' | 'launched' | undefined;
}

/**
 * The current state of a non-global unit:
 * - `inactive` without an assignment, or when the assigned machine has published no state for
 *   this content (no state yet, or one for another hash: the submitted content is not loaded);
 * - otherwise `launched` if the agent reports `launched`, or (when it does not report) if the
 *   assignment asks for `launched` and systemd's active state is active/activating/reloading;
 * - otherwise `loaded`.
 *
 * @param unitHash - the unit's current content hash
 * @param assignment - the unit's assignment, if it is scheduled
 * @param published - the state published by the assigned machine, if any
 */
export function currentStateOf(
  unitHash: string,
  assignment: { readonly desiredState: DesiredState } | undefined,
  published: PublishedState | undefined,
): CurrentState {
  if (assignment === undefined || published === undefined) return 'inactive';
  if (published.hash !== unitHash) return 'inactive';
  if (published.state !== undefined) return published.state;
  return assignment.desiredState === 'launched' && STARTED_ACTIVE_STATES.has(published.activeState)
    ? 'launched'
    : 'loaded';
}

/** The registry's unit state as the rule's input (the agent's `state` is optional there). */
export function publishedState(s: UnitState): PublishedState {
  return { hash: s.hash, activeState: s.activeState, state: s.state };
}
