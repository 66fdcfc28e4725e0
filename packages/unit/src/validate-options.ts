// fleet's checks on a unit's options before it is accepted (API 400, fleetctl refusal).
import { UnitError } from './errors.js';
import { compileGlob } from './glob.js';
import type { UnitOption } from './option.js';
import { checkOptionsWritable, checkReadBack } from './option-check.js';
import { parseUnitFile } from './parse.js';
import { fleetRequirements } from './requirements.js';
import { rolloutProblem } from './rollout-policy.js';
import type { FleetRequirements } from './requirements.js';
import { serializeUnitOptions } from './serialize.js';

/**
 * Most `Conflicts=`, `Replaces=` or `MachineOf=` entries one unit may carry (after splitting and
 * specifier substitution). Every scheduling pass weighs a unit's globs against other units, so
 * their number and length bound what one unit can cost the engine; fleet's own units use a few.
 */
export const MAX_REQUIREMENT_ENTRIES = 64;

/**
 * Most `Replaces=` globs one unit may carry. Fewer than the others: placing a unit prefers the
 * machines of the units it replaces, so every one of its globs is weighed against every placed
 * unit (64 of them made a first placement 6.5 times slower than without the unit; 8 keep it within
 * twice). fleet's units replace one unit, or a few.
 */
export const MAX_REPLACES_ENTRIES = 8;

/** The most entries of `key` (`Conflicts`, `Replaces` or `MachineOf`) a unit may carry. */
export function maxRequirementEntries(key: 'Conflicts' | 'Replaces' | 'MachineOf'): number {
  return key === 'Replaces' ? MAX_REPLACES_ENTRIES : MAX_REQUIREMENT_ENTRIES;
}

/** Longest `Conflicts=`/`Replaces=` glob or `MachineOf=` name, in characters, after substitution. */
export const MAX_GLOB_LENGTH = 256;

/** Why the requirements are too big to schedule cheaply, or `undefined`. */
function sizeProblem(req: FleetRequirements): string | undefined {
  const lists: ['Conflicts' | 'Replaces' | 'MachineOf', string, readonly string[]][] = [
    ['Conflicts', 'globs', req.conflicts],
    ['Replaces', 'globs', req.replaces],
    ['MachineOf', 'units', req.machineOf],
  ];
  for (const [key, what, list] of lists) {
    const max = maxRequirementEntries(key);
    if (list.length > max) return `too many ${key}= ${what}: ${list.length} (max ${max})`;
    const long = list.find((g) => g.length > MAX_GLOB_LENGTH);
    if (long !== undefined) {
      const kind = what === 'globs' ? 'glob' : 'unit name';
      return `${key}= ${kind} too long: ${long.length} characters (max ${MAX_GLOB_LENGTH})`;
    }
  }
  return undefined;
}

/** Why a set of requirements cannot be satisfied, in fleet's words; `undefined` if it can. */
export function requirementsProblem(req: FleetRequirements): string | undefined {
  // Each glob is compiled once for all peers.
  const conflicts = req.conflicts.map((g) => compileGlob(g));
  const replaces = req.replaces.map((g) => compileGlob(g));
  for (const peer of req.machineOf) {
    const conflict = conflicts.find((g) => g.matches(peer));
    if (conflict !== undefined) {
      return `unresolvable requirements: peer ${JSON.stringify(peer)} matches conflict ${JSON.stringify(conflict.pattern)}`;
    }
    const replace = replaces.find((g) => g.matches(peer));
    if (replace !== undefined) {
      return `unresolvable requirements: peer ${JSON.stringify(peer)} matches replace ${JSON.stringify(replace.pattern)}`;
    }
  }
  const hasMachineId = req.machineId !== undefined;
  const hasPeers = req.machineOf.length > 0;
  const hasConflicts = req.conflicts.length > 0;
  const hasReplaces = req.replaces.length > 0;
  if (hasMachineId && hasPeers) return 'MachineID cannot be used with Peers';
  if (hasMachineId && hasConflicts) return 'MachineID cannot be used with Conflicts';
  if (hasMachineId && req.global) return 'MachineID cannot be used with Global';
  if (hasMachineId && hasReplaces) return 'MachineID cannot be used with Replaces';
  if (req.global && hasPeers) return 'Global cannot be used with Peers';
  if (req.global && hasReplaces) return 'Global cannot be used with Replaces';
  if (hasConflicts && hasReplaces) return 'Conflicts cannot be used with Replaces';
  return undefined;
}

/**
 * Reads a unit's `[X-Fleet]` requirements (see {@link fleetRequirements}) and rejects the
 * combinations fleet rejects, checked in fleet's order:
 * a `MachineOf` unit matching a `Conflicts` or `Replaces` glob; then `MachineID` with
 * `MachineOf` ("Peers"), `Conflicts`, `Global` or `Replaces`; `Global` with `MachineOf` or
 * `Replaces`; `Conflicts` with `Replaces`.
 *
 * Like fleet, a non-empty option list is first written out and read back, so options that
 * cannot form a unit file (an unknown section, an over-long line...) are rejected with the
 * parser's error; its line numbers refer to the canonical serialisation. Unlike fleet, options
 * whose file would read back differently are refused (a line break in a section, name or value, a
 * value ending in `\`, whitespace in a name; see `checkOptionsWritable`), and so are more than
 * {@link MAX_REQUIREMENT_ENTRIES} `Conflicts=`/`Replaces=`/`MachineOf=` entries or one longer than
 * {@link MAX_GLOB_LENGTH} characters, and bad `Update*` rollout values (`rolloutProblem`).
 *
 * @throws {@link UnitError} `UNIT_OPTIONS_INVALID` with fleet's message, or a parse code.
 */
export function validateUnitOptions(
  unitName: string,
  options: readonly UnitOption[],
): FleetRequirements {
  checkOptionsWritable(options);
  if (options.length > 0) checkReadBack(options, parseUnitFile(serializeUnitOptions(options)));
  const requirements = fleetRequirements(unitName, options);
  const problem =
    sizeProblem(requirements) ?? requirementsProblem(requirements) ?? rolloutProblem(options);
  if (problem !== undefined) throw new UnitError('UNIT_OPTIONS_INVALID', problem);
  return requirements;
}
