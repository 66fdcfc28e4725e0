// Setting units' desired state, as fleet's setTargetStateOfUnits: units already there are
// skipped; the others are returned as "triggered".
import type { WireUnit } from '@fleet/client';
import type { DesiredState } from '@fleet/unit';
import type { Context } from '../cli/context.js';
import { CliError } from '../cli/errors.js';

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
  const triggered: WireUnit[] = [];
  for (const name of names) {
    const unit = await api.getUnit(name);
    if (unit === undefined) throw new CliError(`unable to find unit ${name}`);
    if (unit.desiredState === state) {
      ctx.debug(`unit ${name} already ${state}, skipping`);
      continue;
    }
    ctx.debug(`setting unit ${name} target state to ${state}`);
    await api.setDesiredState(name, state);
    triggered.push(unit);
  }
  return triggered;
}
