// Which machines a command runs on: a unit's machine (for a global unit, every machine that
// reports a state for it, since the API gives global units no machine), or a machine named by
// an ID prefix.
import type { WireMachine, WireUnit } from '@fleet/client';
import type { Context } from '../cli/context.js';
import { CliError } from '../cli/errors.js';
import { isGlobal } from '../block/judge.js';

/** The live machines a unit is on (sorted by ID). */
export async function machinesOfUnit(ctx: Context, unit: WireUnit): Promise<WireMachine[]> {
  const machines = await ctx.machines();
  if (!isGlobal(unit)) {
    if (unit.machineID === undefined) return [];
    const m = machines.get(unit.machineID);
    if (m === undefined)
      throw new CliError(`machine ${unit.machineID} of unit ${unit.name} is not alive`);
    return [m];
  }
  const api = await ctx.api();
  const states = await api.listUnitStates({ unitName: unit.name });
  const ids = [...new Set(states.map((s) => s.machineID))].sort();
  return ids.flatMap((id) => {
    const m = machines.get(id);
    return m === undefined ? [] : [m];
  });
}

/**
 * The one live machine whose public IP is `prefix`, or else whose ID starts with it.
 * @throws CliError `machine does not exist` / `found more than one machine`
 */
export async function machineByPrefix(ctx: Context, prefix: string): Promise<WireMachine> {
  const all = [...(await ctx.machines()).values()];
  const byIp = all.filter((m) => m.primaryIP === prefix);
  const [ipOnly] = byIp;
  if (byIp.length > 1) {
    throw new CliError(`found more than one machine with IP ${JSON.stringify(prefix)}`);
  }
  if (ipOnly !== undefined) return ipOnly;
  const found = all.filter((m) => m.id.startsWith(prefix));
  const [only] = found;
  if (found.length > 1) {
    throw new CliError(`found more than one machine with ID prefix ${JSON.stringify(prefix)}`);
  }
  if (only === undefined) throw new CliError(`machine ${JSON.stringify(prefix)} does not exist`);
  return only;
}
