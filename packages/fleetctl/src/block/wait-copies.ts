// Waiting on every machine's copy of global units (restart): the copies are the unit's states
// published by the machines, read from the API's state listing on each poll.
import type { Context } from '../cli/context.js';
import { judgeCopies, type CopiesGoal } from './copies.js';
import { Progress } from './progress.js';
import { legendOf, pollUnit } from './wait.js';

/**
 * Waits until every copy of each global unit is stopped (`stopped`) or running (`active`),
 * printing `Unit <u> loaded|launched on <machine>` per copy, or `Error waiting for units: ...`.
 * @param attempts - `--block-attempts` (0 = no limit)
 * @returns whether all of them got there
 */
export async function waitForCopies(
  ctx: Context,
  names: readonly string[],
  goal: CopiesGoal,
  attempts: number,
): Promise<boolean> {
  if (names.length === 0) return true;
  const api = await ctx.api();
  const goalText =
    goal === 'stopped' ? 'be stopped on every machine' : 'be active on every machine';
  const progress = new Progress(ctx.io.stderr, ctx.interactive, goalText);
  const results = await Promise.all(
    names.map((name) =>
      pollUnit(ctx, progress, name, attempts, goalText, async () => {
        const states = await api.listUnitStates({ unitName: name });
        const sorted = [...states].sort((a, b) => (a.machineID < b.machineID ? -1 : 1));
        const copies = await Promise.all(
          sorted.map(async (state) => ({ state, legend: await legendOf(ctx, state.machineID) })),
        );
        return judgeCopies(name, goal, copies);
      }),
    ),
  );
  progress.clear();
  return results.every(Boolean);
}
