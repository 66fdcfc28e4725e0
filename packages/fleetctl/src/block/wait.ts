// Blocking: poll each unit (every 250 ms; from LIST_FROM units on, one listing per poll serves
// them all) until it reaches the goal, within --block-attempts
// attempts of 2 s each (0 = no limit). A unit the scheduler cannot place fails with the
// scheduler's reason: at the end of a limited wait, or, with no limit, once the same reason has
// stood for STALL_ATTEMPTS attempts. Progress is drawn on a terminal; fleet's lines otherwise.
// A wait is never silent: without a terminal, a unit whose status has not changed for
// STALL_ATTEMPTS attempts gets one `Still waiting ...` line on stderr naming what it waits for
// and where the unit is (again each time a new status stands that long).
import type { FleetClient } from '@fleet/client';
import { isRetryable, oneLine } from '@fleet/runtime';
import type { Context } from '../cli/context.js';
import { machineLegend } from '../output/legend.js';
import { recordUnit } from '../output/results.js';
import { judge, type Goal, type Observation, type Verdict } from './judge.js';
import { Progress } from './progress.js';
import { LIST_FROM, readCluster, Rounds, statesOf, type ClusterView } from './rounds.js';

/** Attempts (of 2 s) after which an unlimited wait gives up on an unschedulable unit. */
export const STALL_ATTEMPTS = 10;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** How a machine is named in a unit's lines. */
export async function legendOf(ctx: Context, machineId: string): Promise<string> {
  return machineLegend((await ctx.machine(machineId)) ?? { id: machineId }, false);
}

async function observe(
  ctx: Context,
  api: FleetClient,
  name: string,
  goal: Goal,
  view: ClusterView | undefined,
): Promise<Observation> {
  const unit = view === undefined ? await api.getUnit(name) : view.units.get(name);
  if (unit?.machineID === undefined) return { unit };
  const legend = await legendOf(ctx, unit.machineID);
  // start looks at systemd's state before fleet's `launched` too: a unit systemd will not load
  // never gets there.
  const needsSystemd =
    goal.systemdActive === true ||
    (goal.systemdStopped === true && unit.currentState === goal.state);
  if (!needsSystemd) return { unit, machineLegend: legend };
  const machineID = unit.machineID;
  const [systemd] =
    view === undefined
      ? await api.listUnitStates({ unitName: name, machineID })
      : view.states.filter((s) => s.name === name && s.machineID === machineID);
  return { unit, machineLegend: legend, systemd };
}

/** Polls `check` for one unit; prints its line or error. @returns whether it got there */
export async function pollUnit(
  ctx: Context,
  progress: Progress,
  name: string,
  attempts: number,
  goalText: string,
  check: (poll: number) => Promise<Verdict>,
): Promise<boolean> {
  const { pollIntervalMs, pollsPerAttempt } = ctx.settings;
  const maxPolls = attempts > 0 ? attempts * pollsPerAttempt : Number.POSITIVE_INFINITY;
  const stallPolls = STALL_ATTEMPTS * pollsPerAttempt;
  let status = '';
  let reason: string | undefined;
  let sameReason = 0;
  let sameStatus = 0;
  const fail = (message: string) => {
    progress.remove(name);
    progress.around(() => ctx.err(`Error waiting for units: ${message}`));
    recordUnit(ctx, name, { ok: false, error: message, waited: true });
    return false;
  };
  for (let poll = 1; ; poll++) {
    let verdict: Verdict;
    try {
      verdict = await check(poll);
    } catch (err) {
      const why = oneLine(err);
      if (!isRetryable(err)) return fail(why);
      verdict = { kind: 'waiting', status: `API error: ${why}` };
    }
    if (verdict.kind === 'done') {
      progress.remove(name);
      if (verdict.line !== '') progress.around(() => ctx.out(verdict.line));
      return true;
    }
    if (verdict.kind === 'failed') return fail(verdict.message);
    sameStatus = verdict.status === status ? sameStatus + 1 : 0;
    status = verdict.status;
    progress.set(name, status);
    if (!ctx.interactive && sameStatus + 1 === stallPolls && verdict.unschedulable === undefined) {
      const limit = attempts > 0 ? '' : '; no limit is set: --block-attempts=N sets one';
      ctx.err(`Still waiting for unit ${name} to ${goalText}: ${status}${limit}`);
    }
    sameReason =
      verdict.unschedulable !== undefined && verdict.unschedulable === reason ? sameReason + 1 : 0;
    reason = verdict.unschedulable;
    if (attempts === 0 && reason !== undefined && sameReason + 1 >= stallPolls) {
      const secs = Math.round((stallPolls * pollIntervalMs) / 1000);
      return fail(
        `unit ${name} cannot be scheduled: ${reason} (unchanged for ${secs} s; it stays submitted and is scheduled once possible)`,
      );
    }
    if (poll >= maxPolls) {
      return fail(
        `timed out waiting for unit ${name} to ${goalText}${status === '' ? '' : `: ${status}`}`,
      );
    }
    await sleep(pollIntervalMs);
  }
}

/**
 * Waits for every unit (concurrently) to reach `goal`, printing `Unit <u> <state> on <machine>`
 * for each that does and `Error waiting for units: ...` for each that does not.
 * @param attempts - `--block-attempts` (0 = no limit)
 * @returns whether all of them got there
 */
export async function waitForUnits(
  ctx: Context,
  names: readonly string[],
  goal: Goal,
  attempts: number,
): Promise<boolean> {
  if (names.length === 0) return true;
  const api = await ctx.api();
  const also =
    goal.systemdActive === true
      ? ' (and systemd active)'
      : goal.systemdStopped === true
        ? ' (and systemd stopped)'
        : '';
  const goalText = `report state ${goal.state}${also}`;
  const progress = new Progress(ctx.io.stderr, ctx.interactive, goalText);
  const withStates = goal.systemdActive === true || goal.systemdStopped === true;
  const rounds = new Rounds(() => readCluster(api, names, withStates));
  const results = await Promise.all(
    names.map(async (name) => {
      let seen: Observation | undefined;
      const ok = await pollUnit(ctx, progress, name, attempts, goalText, async (poll) => {
        const view = names.length >= LIST_FROM ? await rounds.get(poll) : undefined;
        seen = await observe(ctx, api, name, goal, view);
        return judge(name, goal, seen);
      });
      const machine = seen?.unit?.machineID;
      if (ok) {
        const machines = machine === undefined ? [] : [machine];
        recordUnit(ctx, name, { state: goal.state, machines, waited: true });
      }
      return ok;
    }),
  );
  progress.clear();
  return results.every(Boolean);
}

/**
 * Waits until no machine reports a state for each (destroyed) unit: its agent has stopped and
 * unloaded it. Prints nothing on success.
 */
export async function waitForUnloaded(
  ctx: Context,
  names: readonly string[],
  attempts: number,
): Promise<boolean> {
  if (names.length === 0) return true;
  const api = await ctx.api();
  const goalText = 'be unloaded from every machine';
  const progress = new Progress(ctx.io.stderr, ctx.interactive, goalText);
  const rounds = new Rounds(() => api.listUnitStates({ names }));
  const results = await Promise.all(
    names.map(async (name) => {
      const ok = await pollUnit(
        ctx,
        progress,
        name,
        attempts,
        goalText,
        async (poll): Promise<Verdict> => {
          const states =
            names.length >= LIST_FROM
              ? statesOf(await rounds.get(poll), name)
              : await api.listUnitStates({ unitName: name });
          if (states.length === 0) return { kind: 'done', line: '' };
          const where = await Promise.all(states.map((s) => legendOf(ctx, s.machineID)));
          return { kind: 'waiting', status: `still on ${where.join(', ')}` };
        },
      );
      if (ok) recordUnit(ctx, name, { machines: [], waited: true });
      return ok;
    }),
  );
  progress.clear();
  return results.every(Boolean);
}
