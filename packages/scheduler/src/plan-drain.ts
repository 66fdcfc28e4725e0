// Draining machines (docs/operating.md, "Machine administrative state"): the copies the engine's
// drain released leave a draining machine, if another machine can take them; those that fit
// nowhere else stay where they are, with a reason. Global units stay.
import { check, summarize, UNIT_FILTERS, type Rejection } from './filters.js';
import type { PlanContext } from './plan-context.js';

/** Which copies on draining machines may move now (the engine keeps to the rollout limits). */
export interface DrainGate {
  released(unit: string, machineId: string): boolean;
}

/** No copy is released: draining machines only take no new units. */
export const noDrain: DrainGate = { released: () => false };

/** The reasons a drain gives. */
export const DrainReason = {
  moving: (machineId: string) => `machine ${machineId} is draining`,
  stuck: (machineId: string, why: string) =>
    `drain: no other machine can take it from ${machineId}: ${why}`,
} as const;

/**
 * After phase 1 (the kept assignments), before placement: takes each released copy off its
 * draining machine if some other machine passes its filters (placement then puts it on the least
 * loaded such machine), else keeps it there with a reason.
 */
export function moveDrained(ctx: PlanContext, gate: DrainGate): void {
  const { state, book } = ctx;
  for (const [name, machines] of [...book.kept]) {
    const unit = ctx.units.get(name);
    if (unit === undefined || unit.requirements.global) continue;
    for (const [machineId, assignment] of [...machines]) {
      if (state.slots.get(machineId)?.machine.admin !== 'draining') continue;
      if (!gate.released(name, machineId)) continue;
      state.remove(name, machineId);
      const rejections: Rejection[] = [];
      let fits = false;
      for (const other of state.leastLoaded()) {
        const r = check(UNIT_FILTERS, unit, other, state);
        if (r === undefined) {
          fits = true;
          break;
        }
        rejections.push(r);
      }
      if (fits) {
        book.release(name, machineId);
        book.unschedule(assignment, DrainReason.moving(machineId));
      } else {
        state.place(unit, machineId);
        book.waiting.set(
          name,
          DrainReason.stuck(machineId, summarize(rejections, rejections.length)),
        );
      }
    }
  }
}
