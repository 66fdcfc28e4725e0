// @fleet/scheduler/testing: builders of scheduler inputs from [X-Fleet] lines, the engine's commit
// of a plan, compact placements, this package's fast-check seed, and the costliest cluster and
// unit for benches. For tests and benches only: never imported by production code (parts.json).
export { apply, drawnXFleet, machine, placement, unit, xfleetOptions } from './builders.js';
export type { DrawnXFleet } from './builders.js';
export { FC_SEED, fcParams } from './fc.js';
export { cluster, worstUnit } from './globs.js';
