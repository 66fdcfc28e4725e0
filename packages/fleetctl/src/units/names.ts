// Unit arguments on the command line: fleetctl's mangling of paths and names.
import { mangleUnitName, RECOGNIZED_UNIT_TYPES } from '@fleet/unit';
import type { Args } from '../cli/command.js';
import { UsageError } from '../cli/errors.js';

/**
 * The file an argument names: the argument itself, with `.service` appended when its last path
 * element does not end in a recognized unit type (fleet's maybeAppendDefaultUnitType), so
 * `units/web` reads `units/web.service`.
 */
export function unitFileArg(arg: string): string {
  const base = arg.slice(arg.lastIndexOf('/') + 1);
  return RECOGNIZED_UNIT_TYPES.some((t) => base.endsWith(`.${t}`)) ? arg : `${arg}.service`;
}

/** The unit an argument names (fleet's unitNameMangle): `units/web` → `web.service`. */
export function unitName(arg: string): string {
  return mangleUnitName(arg);
}

/**
 * The unit names of a command's arguments.
 * @throws UsageError `No units given` when there are none (fleet printed it and exited 0)
 */
export function requireUnits(args: readonly string[]): string[] {
  if (args.length === 0) throw new UsageError('No units given');
  return args.map(unitName);
}

/** The one unit `cat` and `journal` take, as a unit name. */
export function oneUnitName(args: Args): string {
  const units = args.operands('units');
  if (units.length !== 1) throw new UsageError('One unit file must be provided.');
  return unitName(units[0] ?? '');
}
