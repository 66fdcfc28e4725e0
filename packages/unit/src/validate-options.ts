// fleet's checks on a unit's options before it is accepted (API 400, fleetctl refusal).
import { UnitError } from './errors.js';
import { matchGlob } from './glob.js';
import type { UnitOption } from './option.js';
import { parseUnitFile } from './parse.js';
import { fleetRequirements } from './requirements.js';
import type { FleetRequirements } from './requirements.js';
import { serializeUnitOptions } from './serialize.js';

/** Why a set of requirements cannot be satisfied, in fleet's words; `undefined` if it can. */
export function requirementsProblem(req: FleetRequirements): string | undefined {
  for (const peer of req.machineOf) {
    for (const conflict of req.conflicts) {
      if (matchGlob(conflict, peer)) {
        return `unresolvable requirements: peer ${JSON.stringify(peer)} matches conflict ${JSON.stringify(conflict)}`;
      }
    }
    for (const replace of req.replaces) {
      if (matchGlob(replace, peer)) {
        return `unresolvable requirements: peer ${JSON.stringify(peer)} matches replace ${JSON.stringify(replace)}`;
      }
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
 * parser's error; its line numbers refer to the canonical serialisation.
 *
 * @throws {@link UnitError} `UNIT_OPTIONS_INVALID` with fleet's message, or a parse code.
 */
export function validateUnitOptions(
  unitName: string,
  options: readonly UnitOption[],
): FleetRequirements {
  if (options.length > 0) parseUnitFile(serializeUnitOptions(options));
  const requirements = fleetRequirements(unitName, options);
  const problem = requirementsProblem(requirements);
  if (problem !== undefined) throw new UnitError('UNIT_OPTIONS_INVALID', problem);
  return requirements;
}
