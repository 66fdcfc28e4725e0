// Where a unit must (or may) run, worked out from the unit, the other units and the machines
// alone, without the scheduler: the fuzzer's independent view of fleet's placement rules.
import type { Machine, Unit } from '@fleet/registry';
import {
  compareStrings,
  fleetRequirements,
  matchGlob,
  splitUnitName,
  type FleetRequirements,
} from '@fleet/unit';

/** Where a unit should be once the cluster has converged. */
export type Expected =
  | {
      /** On exactly these machines (sorted; empty: nowhere). */
      readonly kind: 'exactly';
      readonly machines: readonly string[];
      readonly why: string;
      readonly global: boolean;
    }
  | {
      /** On one machine or none; `mustPlace`: nothing stops it, so on exactly one. */
      readonly kind: 'at-most-one';
      readonly mustPlace: boolean;
      readonly global: false;
    }
  | {
      /** A global unit whose machines depend on other units' globs: no placement claim. */
      readonly kind: 'any';
      readonly global: true;
    };

function matchesMetadata(m: Machine, req: FleetRequirements): boolean {
  return Object.entries(req.machineMetadata).every(
    ([key, values]) => Object.hasOwn(m.metadata, key) && values.includes(m.metadata[key] ?? ''),
  );
}

/** Whether any unit's Conflicts=/Replaces= globs (its own included) name `name`. */
function targetedByGlobs(name: string, units: readonly Unit[]): boolean {
  return units.some((u) => {
    const r = fleetRequirements(u.name, u.options);
    return [...r.conflicts, ...r.replaces].some((g) => u.name !== name && matchGlob(g, name));
  });
}

const sorted = (ids: string[]) => ids.sort(compareStrings);

/** Where `unit` should run, given every unit and the live machines. */
export function expectedPlacement(
  unit: Unit,
  units: readonly Unit[],
  machines: readonly Machine[],
): Expected {
  const req = fleetRequirements(unit.name, unit.options);
  const nowhere = (why: string): Expected => ({
    kind: 'exactly',
    machines: [],
    why,
    global: req.global,
  });
  if (splitUnitName(unit.name).isTemplate) return nowhere('a template is never scheduled');
  if (unit.desiredState === 'inactive') return nowhere('an inactive unit is not scheduled');
  const fitting = machines.filter((m) => matchesMetadata(m, req));
  if (req.global) {
    if (req.conflicts.length > 0 || targetedByGlobs(unit.name, units))
      return { kind: 'any', global: true };
    return {
      kind: 'exactly',
      machines: sorted(fitting.map((m) => m.id)),
      why: 'a global unit runs on every machine whose metadata matches',
      global: true,
    };
  }
  if (req.machineId !== undefined && !machines.some((m) => m.id === req.machineId)) {
    return nowhere(`MachineID ${req.machineId} is not a live machine`);
  }
  if (fitting.length === 0) return nowhere('no machine has the metadata it asks for');
  const free =
    req.machineId === undefined &&
    req.machineOf.length === 0 &&
    Object.keys(req.machineMetadata).length === 0 &&
    req.conflicts.length === 0 &&
    req.replaces.length === 0 &&
    !targetedByGlobs(unit.name, units);
  return { kind: 'at-most-one', mustPlace: free, global: false };
}
