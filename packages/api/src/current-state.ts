// A unit's current state as the API reports it, from its assignment and the state the assigned
// machine published. One pure rule, kept apart so it can be read and table-tested on its own.
import type { UnitState } from '@fleet/registry';
import type { DesiredState } from '@fleet/unit';

/** systemd active states that count as "started" when the agent did not say. */
const STARTED_ACTIVE_STATES: ReadonlySet<string> = new Set(['active', 'activating', 'reloading']);

/**
 * The current state of a non-global unit, in the three words of the desired state:
 * - `inactive` without an assignment, or when the assigned machine has published no state for
 *   this content (no state yet, or one for another hash: the submitted content is not loaded);
 * - otherwise `launched` if the agent reports `launched`, or (when it does not report) if the
 *   assignment asks for `launched` and systemd's active state is active/activating/reloading;
 * - otherwise `loaded`.
 *
 * @param unitHash - the unit's current content hash
 * @param assignment - the unit's assignment, if it is scheduled
 * @param published - the state the assigned machine published (the registry's record), if any
 */
export function currentStateOf(
  unitHash: string,
  assignment: { readonly desiredState: DesiredState } | undefined,
  published: Pick<UnitState, 'hash' | 'activeState' | 'state'> | undefined,
): DesiredState {
  if (assignment === undefined || published === undefined) return 'inactive';
  if (published.hash !== unitHash) return 'inactive';
  if (published.state !== undefined) return published.state;
  return assignment.desiredState === 'launched' && STARTED_ACTIVE_STATES.has(published.activeState)
    ? 'launched'
    : 'loaded';
}
