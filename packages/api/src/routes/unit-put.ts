// `PUT /units/<name>`: fleet's create / replace / set-desired-state decision, with the checks
// fleet skipped. Every check runs before the one write, so a rejected request writes nothing.
import { UnitExistsError, type UnitHead } from '@fleet/registry';
import { unitHash, type UnitOption } from '@fleet/unit';
import { HttpError } from '../errors.js';
import { requireContentType, readJson } from '../http/body.js';
import { emptyReply, type Reply } from '../http/reply.js';
import type { RouteDeps, RouteHandler } from '../route.js';
import { checkUnitName, checkUnitOptions, parseUnitRequest } from '../validation.js';

/** The name and options make a valid new unit (else the checks below answer with the reason). */
function validNewUnit(name: string, options: readonly UnitOption[]): boolean {
  if (options.length === 0) return false;
  try {
    checkUnitName(name);
    checkUnitOptions(name, options);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds the PUT handler:
 * 1. Content-Type must be application/json (415); the body must decode (400) and fit (413).
 * 2. The body's name defaults to the URL's and must match it; the name (any name a stored unit
 *    may have), a given desired state, and "templates stay inactive" are checked (400).
 * 3. No such unit: the name must be valid today (400), options are required (409), validated
 *    (400/413), and the unit is created
 *    with the given desired state or `inactive` (201).
 * 4. The unit exists and the options hash differently: name and options validated as for a new
 *    unit, then replaced (201). The
 *    desired state is the given one, or else the unit's current one (fleet reset it to
 *    `inactive`).
 * 5. Otherwise a desired state is required (409) and set (204).
 *
 * Valid options under a valid name are first tried as a new unit: the create is one
 * transaction that fails if the unit exists and then returns what is stored, so creating a
 * unit costs one registry request, not a read and a write (fleetctl's batches are mostly
 * creations). Anything else reads the unit first; the answers are the same either way.
 */
export function unitPutRoute(deps: RouteDeps): RouteHandler {
  const { registry, listings } = deps;
  return async ({ req, name: urlName }): Promise<Reply> => {
    requireContentType(req);
    const request = parseUnitRequest(urlName, await readJson(req, deps.bodyLimitBytes));
    const { name, options, desiredState } = request;
    let existing: Pick<UnitHead, 'hash' | 'desiredState'> | undefined;
    if (validNewUnit(name, options)) {
      try {
        await listings.afterWrite(() =>
          registry.createUnit({ name, options, desiredState: desiredState ?? 'inactive' }),
        );
        return emptyReply(201);
      } catch (err) {
        if (!(err instanceof UnitExistsError) || err.existing === undefined) throw err;
        existing = err.existing;
      }
    } else {
      existing = await registry.getUnit(name);
    }

    if (existing === undefined) {
      checkUnitName(name);
      if (options.length === 0) {
        throw new HttpError(409, 'unit does not exist and options field empty');
      }
      checkUnitOptions(name, options);
      await listings.afterWrite(() =>
        registry.createUnit({ name, options, desiredState: desiredState ?? 'inactive' }),
      );
      return emptyReply(201);
    }

    if (options.length > 0 && unitHash(options) !== existing.hash) {
      checkUnitName(name);
      checkUnitOptions(name, options);
      await listings.afterWrite(() =>
        registry.replaceUnit({
          name,
          options,
          desiredState: desiredState ?? existing.desiredState,
        }),
      );
      return emptyReply(201);
    }

    if (desiredState === undefined) {
      throw new HttpError(409, 'must provide DesiredState to update existing unit');
    }
    await listings.afterWrite(() => registry.setDesiredState(name, desiredState));
    return emptyReply(204);
  };
}
