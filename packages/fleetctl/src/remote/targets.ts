// Which machines a command runs on: a unit's machine (for a global unit, every machine that
// reports a state for it, since the API gives global units no machine), or a machine named by
// an ID prefix, its IP address or its hostname.
import type { WireMachine, WireUnit } from '@fleet/client';
import type { Context } from '../cli/context.js';
import { CliError } from '../cli/errors.js';
import { isGlobal } from '../block/judge.js';
import { resolveHost } from './resolve-host.js';

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

/** The one machine of `found`, or none. @throws CliError when there are several */
function oneOf(found: readonly WireMachine[], what: string, arg: string): WireMachine | undefined {
  if (found.length > 1) {
    throw new CliError(`found more than one machine with ${what} ${JSON.stringify(arg)}`);
  }
  return found[0];
}

/**
 * The one live machine whose public IP is `prefix`, or else whose hostname (as its agent
 * reports it) is `prefix`, or else whose ID starts with it, or else whose public IP `prefix`
 * resolves to here (DNS, /etc/hosts).
 * @throws CliError `machine does not exist` / `found more than one machine`
 */
export async function machineByPrefix(ctx: Context, prefix: string): Promise<WireMachine> {
  const all = [...(await ctx.machines()).values()];
  const named =
    oneOf(
      all.filter((m) => m.primaryIP === prefix),
      'IP',
      prefix,
    ) ??
    oneOf(
      all.filter((m) => m.health?.hostname === prefix),
      'hostname',
      prefix,
    );
  if (named !== undefined) return named;
  const found = all.filter((m) => m.id.startsWith(prefix));
  if (found.length === 0) {
    const ips = await resolveHost(prefix);
    const resolved = oneOf(
      all.filter((m) => m.primaryIP !== undefined && ips.includes(m.primaryIP)),
      'an address of',
      prefix,
    );
    if (resolved !== undefined) return resolved;
  }
  const [only] = found;
  if (found.length > 1) {
    throw new CliError(`found more than one machine with ID prefix ${JSON.stringify(prefix)}`);
  }
  if (only === undefined) throw new CliError(`machine ${JSON.stringify(prefix)} does not exist`);
  return only;
}
