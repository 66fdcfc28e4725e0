// The invariants of a chaos run, as pure functions of its History. Each returns violations
// with a sentence an operator can read; none throws on a bad run. Letters follow the
// reliability review §4.3 and the suite's brief:
//   (a) oneCopy        at most one running copy of a non-global unit, beyond explained overlap
//   (b) lostWrites     no acknowledged API write lost (a register per unit)
//   (c) fencing        every assignment write inside its writer's leader term
//       stuckLeader    the leader-key holder keeps scheduling
//   (d) globals        globals run on every live eligible machine at the end
//   (e) restarts       nothing stops or restarts without a write, a fault or a relation to explain it
//   (f) settled        after healing, the state the registry asks for is the state that runs
//   (g) conflicts      no conflicting units co-active on one machine beyond the observation slack
//   (h) resources      bounded resources
import type { History } from './history.js';
import { conflicts, oneCopy } from './copies.js';
import { globals, restarts, settled } from './convergence.js';
import { fencing, stuckLeader } from './leader.js';
import { resources } from './resources.js';
import type { InvariantOptions, Violation } from './rules.js';
import { lostWrites } from './writes.js';

export { conflicts, oneCopy } from './copies.js';
export { globals, restarts, settled } from './convergence.js';
export { fencing, stuckLeader } from './leader.js';
export { resources } from './resources.js';
export { exclusive, type InvariantName, type InvariantOptions, type Violation } from './rules.js';
export { lostWrites } from './writes.js';

/** Every invariant, in the order above. */
export function checkAll(h: History, o: InvariantOptions): Violation[] {
  return [
    ...oneCopy(h, o),
    ...lostWrites(h),
    ...fencing(h),
    ...stuckLeader(h, o),
    ...globals(h),
    ...restarts(h, o),
    ...settled(h, o),
    ...conflicts(h, o),
    ...resources(h, o),
  ];
}
