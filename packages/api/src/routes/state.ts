// `/state` and `/state/<name>`: what systemd reports for units, per machine.
import { InvalidInputError, type Listing, type UnitState } from '@fleet/registry';
import { errorBody } from '../errors.js';
import { jsonReply } from '../http/reply.js';
import { namesFilter } from './names-filter.js';
import { pagedList, type ItemField, type PagedCollection } from './paged.js';
import type { RouteDeps, RouteHandler } from '../route.js';
import { toWireUnitState } from '../unit-view.js';
import { checkStoredUnitName } from '../validation.js';
import type { UnitStatePage, WireUnitState } from '@fleet/client';

/** Handlers of the state resource. */
export interface StateRoutes {
  readonly list: RouteHandler;
  readonly get: RouteHandler;
}

/** Builds the state handlers over `deps`. */
export function stateRoutes(deps: RouteDeps): StateRoutes {
  const { reads } = deps;

  /** States matching exact filters; a filter no unit or machine can have matches nothing. */
  async function filtered(machineId: string, unitName: string): Promise<readonly UnitState[]> {
    let listing: Listing<UnitState>;
    try {
      listing = await reads.listUnitStates({
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
     * are exact; only the first value of each is used; an empty value does not filter. Beyond
     * fleet's API, `names=a,b` keeps the states of those units only (names-filter.ts).
     */
    list({ query }) {
      const machineId = query.get('machineID') ?? '';
      const unitName = query.get('unitName') ?? '';
      const names = namesFilter(query);
      return pagedList(deps, query, {
        key: `state\u0000${machineId}\u0000${unitName}`,
        joinInFlight: names !== undefined,
        read: () => filtered(machineId, unitName),
        items: (l) => (names === undefined ? l : l.filter((s) => names.has(s.unit))),
        toWire: toWireUnitState,
        field: 'states',
      } satisfies PagedCollection<
        readonly UnitState[],
        UnitState,
        WireUnitState,
        ItemField<UnitStatePage>
      >);
    },

    /** `GET /state/<name>`: the unit's state on the first machine (by ID) that published one. */
    async get({ name }) {
      checkStoredUnitName(name);
      const first = (await reads.listUnitStates({ unitName: name })).items[0];
      if (first === undefined) return jsonReply(404, errorBody(404, 'unit state does not exist'));
      return jsonReply(200, toWireUnitState(first));
    },
  };
}
