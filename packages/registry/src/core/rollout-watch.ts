// The change stream of current rollout records: how the engine learns of an operator's pause or
// resume without polling.
import type { Watch } from '../registry.js';
import type { RolloutEvent } from '../rollout-types.js';
import type { ResyncEvent } from '../types.js';
import type { Core } from './core.js';
import { decodeRollout } from './rollout-codec.js';
import { keyOf, revOf, watchRange } from './watches.js';

/** See {@link Registry.watchRollouts}. */
export function watchRollouts(
  core: Core,
  afterRevision: string,
  onEvent: (e: RolloutEvent) => void,
): Watch {
  return watchRange<Exclude<RolloutEvent, ResyncEvent>>(
    core,
    core.keys.rollouts(),
    afterRevision,
    onEvent,
    (ev) => {
      const parsed = core.keys.parse(keyOf(ev));
      if (parsed?.kind !== 'rollout') return undefined;
      const revision = revOf(ev);
      if (ev.type === 'delete') return { type: 'delete', group: parsed.group, revision };
      const rollout = decodeRollout(core, ev.kv);
      return rollout === undefined ? undefined : { type: 'put', rollout, revision };
    },
  );
}
