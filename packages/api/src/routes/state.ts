// `/state` and `/state/<name>`: what systemd reports for units, per machine.
import { InvalidInputError, type Listing, type UnitState } from '@fleet/registry';
import { errorBody } from '../errors.js';
import { jsonReply } from '../http/reply.js';
import { paginate, requestedPage } from '../pagination.js';
import type { RouteDeps, RouteHandler } from '../route.js';
import { toWireUnitState } from '../unit-view.js';
import { checkStoredUnitName } from '../validation.js';
import type { UnitStatePage } from '@fleet/client';

/** Handlers of the state resource. */
export interface StateRoutes {
  readonly list: RouteHandler;
  readonly get: RouteHandler;
}

/** Builds the state handlers over `deps`. */
export function stateRoutes(deps: RouteDeps): StateRoutes {
  const { registry, tokenLimit, listings } = deps;

  /** States matching exact filters; a filter no unit or machine can have matches nothing. */
  async function filtered(machineId: string, unitName: string): Promise<readonly UnitState[]> {
    let listing: Listing<UnitState>;
    try {
      listing = await registry.listUnitStates({
        ...(machineId === '' ? {} : { machineId }),
        ...(unitName === '' ? {} : { unitName }),
      });
    } catch (err) {
      if (err instanceof InvalidInputError) return [];
      throw err;
    }
    return listing.items;
  }

  return {
    /**
     * `GET /state?machineID=&unitName=`: a page of states sorted by unit, then machine. Filters
     * are exact; only the first value of each is used; an empty value does not filter.
     */
    async list({ query }) {
      const page = requestedPage(query, tokenLimit);
      const machineId = query.get('machineID') ?? '';
      const unitName = query.get('unitName') ?? '';
      const key = `state\u0000${machineId}\u0000${unitName}`;
      const states = await listings.get(key, page === 1, () => filtered(machineId, unitName));
      const { items, nextPageToken } = paginate(states, page, tokenLimit);
      const body: UnitStatePage = {
        states: items.map(toWireUnitState),
        ...(nextPageToken === undefined ? {} : { nextPageToken }),
      };
      return jsonReply(200, body);
    },

    /** `GET /state/<name>`: the unit's state on the first machine (by ID) that published one. */
    async get({ name }) {
      checkStoredUnitName(name);
      const first = (await registry.listUnitStates({ unitName: name })).items[0];
      if (first === undefined) return jsonReply(404, errorBody(404, 'unit state does not exist'));
      return jsonReply(200, toWireUnitState(first));
    },
  };
}
