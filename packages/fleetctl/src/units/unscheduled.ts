// Units the cluster wants running that no machine has: they have no state, so fleet's list-units
// and status never showed them. The engine's reason (why no machine can take the unit) is in the
// v1 unit objects, as list-unit-files' `reason` field.
import type { FleetClient, WireUnit, WireUnitState } from '@fleet/client';
import { compareStrings, unitHash } from '@fleet/unit';

/** A list-units row: a machine's state of a unit, or (`machineID` '') a unit no machine has. */
export interface UnitStateRow extends WireUnitState {
  /** Why no machine has the unit (only on rows without a machine). */
  readonly reason?: string;
}

/** Whether `unit` should be on a machine and is on none. */
function unplaced(unit: WireUnit, stated: ReadonlySet<string>): boolean {
  return unit.desiredState !== 'inactive' && unit.machineID === undefined && !stated.has(unit.name);
}

/**
 * The units' states from every machine, and a row without a machine for each unit that wants to
 * run and is on none, in name order (a unit's machines stay in the API's order).
 */
export async function statesAndUnplaced(api: FleetClient): Promise<UnitStateRow[]> {
  const [states, units] = await Promise.all([api.listUnitStates(), api.listUnits()]);
  const stated = new Set(states.map((s) => s.name));
  const rows: UnitStateRow[] = [...states];
  for (const u of units) {
    if (!unplaced(u, stated)) continue;
    const row = { name: u.name, hash: unitHash(u.options), machineID: '' };
    rows.push(u.reason === undefined ? row : { ...row, reason: u.reason });
  }
  // Stable: a unit's states keep their order.
  return rows.sort((a, b) => compareStrings(a.name, b.name));
}

/**
 * What status and journal say of a unit no machine has: the engine's reason when it has one,
 * else `otherwise` (fleet's "does not appear to be loaded/running").
 */
export function notOnAnyMachine(unit: WireUnit, otherwise: string): string {
  return unit.reason === undefined || unit.reason === ''
    ? otherwise
    : `Unit ${unit.name} is not scheduled: ${unit.reason}`;
}
