// Waiting on every machine's copy of global units (restart): the copies are the unit's states
// published by the machines, read from the API's state listing on each poll (one listing for
// all units from LIST_FROM units on).
import { compareStrings } from '@fleet/unit';
import type { Context } from '../cli/context.js';
import { recordUnit } from '../output/results.js';
import { judgeCopies, type CopiesGoal } from './copies.js';
import { Progress } from './progress.js';
import { LIST_FROM, Rounds, statesOf } from './rounds.js';
import { legendOf, pollUnit } from './wait.js';

/**
 * The machines whose copy of each global unit is `failed` now: taken just before a restart
 * starts the copies again, so that this old state is not taken for a failed start.
 */
export async function failedCopies(
  ctx: Context,
  names: readonly string[],
): Promise<Map<string, Set<string>>> {
  const api = await ctx.api();
  const out = new Map<string, Set<string>>();
  const all = names.length >= LIST_FROM ? await api.listUnitStates({ names }) : undefined;
  for (const name of names) {
    const states =
      all === undefined ? await api.listUnitStates({ unitName: name }) : statesOf(all, name);
    const failed = states.filter((s) => s.systemdActiveState === 'failed');
    out.set(name, new Set(failed.map((s) => s.machineID)));
  }
  return out;
}

/**
 * Waits until every copy of each global unit is stopped (`stopped`) or running (`active`),
 * printing `Unit <u> loaded|launched on <machine>` per copy, or `Error waiting for units: ...`.
 * @param attempts - `--block-attempts` (0 = no limit)
 * @param staleFailed - per unit, the machines whose copy was failed before it was started again
 *   ({@link failedCopies}); each is waited on until it has been seen in another state
 * @returns whether all of them got there
 */
export async function waitForCopies(
  ctx: Context,
  names: readonly string[],
  goal: CopiesGoal,
  attempts: number,
  staleFailed: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
): Promise<boolean> {
  if (names.length === 0) return true;
  const api = await ctx.api();
  const goalText =
    goal === 'stopped' ? 'be stopped on every machine' : 'be active on every machine';
  const progress = new Progress(ctx.io.stderr, ctx.interactive, goalText);
  const rounds = new Rounds(() => api.listUnitStates({ names }));
  const results = await Promise.all(
    names.map(async (name) => {
      const stale = new Set(staleFailed.get(name));
      let machines: string[] = [];
      const ok = await pollUnit(ctx, progress, name, attempts, goalText, async (poll) => {
        const states =
          names.length >= LIST_FROM
            ? statesOf(await rounds.get(poll), name)
            : await api.listUnitStates({ unitName: name });
        for (const s of states) if (s.systemdActiveState !== 'failed') stale.delete(s.machineID);
        const sorted = [...states].sort((a, b) => compareStrings(a.machineID, b.machineID));
        machines = sorted.map((s) => s.machineID);
        const copies = await Promise.all(
          sorted.map(async (state) => ({ state, legend: await legendOf(ctx, state.machineID) })),
        );
        return judgeCopies(name, goal, copies, stale);
      });
      const state = goal === 'stopped' ? 'loaded' : 'launched';
      if (ok) recordUnit(ctx, name, { state, machines, waited: true });
      return ok;
    }),
  );
  progress.clear();
  return results.every(Boolean);
}
