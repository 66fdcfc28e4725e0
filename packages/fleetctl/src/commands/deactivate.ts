// The common path of stop and unload: for units in the cluster, set the lower desired state
// and wait for it. Units not in the cluster are reported (fleet skipped them silently).
import type { FleetClient, WireUnit } from '@fleet/client';
import type { DesiredState } from '@fleet/unit';
import type { Args } from '../cli/command.js';
import type { Context } from '../cli/context.js';
import { isGlobal } from '../block/judge.js';
import { waitForUnloaded, waitForUnits } from '../block/wait.js';
import {
  BATCH_LIMIT,
  HeldLines,
  mapBounded,
  readUnits,
  settle,
  type Outcome,
} from '../units/batch.js';
import { requireUnits } from '../units/names.js';
import { failUnit, recordUnit } from '../output/results.js';
import { blockAttempts, printTriggered } from './shared.js';

/** What one of stop/unload does. */
export interface Deactivation {
  readonly state: DesiredState;
  readonly verb: string;
  /** Desired states the command refuses to act on (stop: inactive), with fleet's message. */
  readonly refuse: readonly DesiredState[];
  readonly refuseVerb: string;
  /** The closing line on success: `Successfully stopped units`. */
  readonly summary: string;
  /**
   * What must be true on the unit's machine as well: `stopped` (systemd no longer runs it) or
   * `unloaded` (no machine reports it any more), so that the summary line is true when printed.
   */
  readonly machine: 'stopped' | 'unloaded';
}

/** One unit of stop/unload: what became of it. */
async function deactivateOne(
  ctx: Context,
  api: FleetClient,
  name: string,
  read: Outcome<WireUnit | undefined> | undefined,
  how: Deactivation,
): Promise<'failed' | 'skipped' | 'global' | 'waiting'> {
  if (read?.ok === false) throw read.err;
  const unit = read?.value;
  if (unit === undefined) {
    failUnit(ctx, name, `Unit ${name} does not exist.`);
    return 'failed';
  }
  if (how.refuse.includes(unit.desiredState)) {
    failUnit(ctx, name, `Unable to ${how.refuseVerb} unit ${name} in state ${unit.desiredState}`);
    return 'failed';
  }
  recordUnit(ctx, name, { state: how.state });
  if (unit.desiredState === how.state) {
    ctx.debug(`unit ${name} already ${how.state}, skipping`);
    return 'skipped';
  }
  await api.setDesiredState(name, how.state);
  if (!isGlobal(unit)) return 'waiting';
  ctx.out(`Triggered global unit ${name} ${how.verb}`);
  return 'global';
}

/** Runs stop or unload. @returns the exit code */
export async function deactivate(ctx: Context, args: Args, how: Deactivation): Promise<number> {
  const names = requireUnits(args.operands('units'));
  const attempts = blockAttempts(args);
  const api = await ctx.api();
  const held = names.map(() => new HeldLines(ctx));
  const units = await readUnits(api, names);
  for (const name of names) recordUnit(ctx, name); // -o json: in the order given
  const done = await mapBounded(names, BATCH_LIMIT, (name, i) =>
    settle(deactivateOne(held[i]?.ctx ?? ctx, api, name, units[i], how)),
  );
  let failed = false;
  const waiting: string[] = [];
  for (const [i, outcome] of done.entries()) {
    held[i]?.flush();
    if (!outcome.ok) throw outcome.err;
    if (outcome.value === 'failed') failed = true;
    if (outcome.value === 'waiting') waiting.push(names[i] ?? '');
  }
  if (attempts < 0) {
    printTriggered(ctx, waiting, how.verb, how.state);
    return failed ? 1 : 0;
  }
  const goal = { state: how.state, systemdStopped: how.machine === 'stopped' };
  const ok =
    (await waitForUnits(ctx, waiting, goal, attempts)) &&
    (how.machine !== 'unloaded' || (await waitForUnloaded(ctx, waiting, attempts)));
  if (ok && waiting.length > 0) ctx.err(`${how.summary} [${waiting.join(' ')}].`);
  return failed || !ok ? 1 : 0;
}
