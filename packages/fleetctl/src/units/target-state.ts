// Setting units' desired state, as fleet's setTargetStateOfUnits: units already there are
// skipped; the others are returned as "triggered".
import type { FleetClient, WireUnit } from '@fleet/client';
import type { DesiredState } from '@fleet/unit';
import type { Context } from '../cli/context.js';
import { CliError } from '../cli/errors.js';
import { BATCH_LIMIT, mapBounded, readUnits, settle } from './batch.js';

/**
 * Sets each unit's desired state to `state` unless it already is.
 * @returns the units whose state was changed (as they were before)
 * @throws CliError `unable to find unit <u>` (stops at the first missing unit)
 */
export async function setTargetStates(
  ctx: Context,
  names: readonly string[],
  state: DesiredState,
): Promise<WireUnit[]> {
  const api = await ctx.api();
  const read = await readUnits(api, names);
  // As one after another: stop at the first unit missing (or unreadable); none after it is set.
  let stop = read.findIndex((r) => !r.ok || r.value === undefined);
  if (stop < 0) stop = read.length;
  const units = read.slice(0, stop).map((r) => (r.ok ? r.value : undefined));
  const change = units.filter((u): u is WireUnit => u !== undefined && u.desiredState !== state);
  const set = await mapBounded(change, BATCH_LIMIT, (u) =>
    settle(api.setDesiredState(u.name, state)),
  );
  const triggered: WireUnit[] = [];
  for (const unit of units) {
    if (unit === undefined) continue;
    if (unit.desiredState === state) {
      ctx.debug(`unit ${unit.name} already ${state}, skipping`);
      continue;
    }
    ctx.debug(`setting unit ${unit.name} target state to ${state}`);
    const done = set[change.indexOf(unit)];
    if (done?.ok === false) throw done.err;
    triggered.push(unit);
  }
  const bad = read[stop];
  if (bad !== undefined) {
    if (!bad.ok) throw bad.err;
    throw new CliError(`unable to find unit ${names[stop] ?? ''}`);
  }
  return triggered;
}

/**
 * Sets the desired state of every named unit, concurrently (bounded).
 * @throws the first failure in the order given (the others have been sent all the same)
 */
export async function setEach(
  api: FleetClient,
  names: readonly string[],
  state: DesiredState,
): Promise<void> {
  const done = await mapBounded(names, BATCH_LIMIT, (name) =>
    settle(api.setDesiredState(name, state)),
  );
  for (const d of done) if (!d.ok) throw d.err;
}
