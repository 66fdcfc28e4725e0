// `/units` and `/units/<name>`: list, get and delete. PUT is in unit-put.ts.
import type { Assignment, Unit, UnitState } from '@fleet/registry';
import { errorBody } from '../errors.js';
import { emptyReply, jsonReply } from '../http/reply.js';
import { namesFilter } from './names-filter.js';
import { pagedList, type ItemField, type PagedCollection } from './paged.js';
import type { RouteDeps, RouteHandler } from '../route.js';
import { byUnit, isGlobalUnit, toWireUnit } from '../unit-view.js';
import { checkStoredUnitName } from '../validation.js';
import type { UnitPage, WireUnit } from '@fleet/client';

/** Handlers of the units resource. */
export interface UnitReadRoutes {
  readonly list: RouteHandler;
  readonly get: RouteHandler;
  readonly destroy: RouteHandler;
}

/** What a page of units is cut from: every unit, with assignments and states by unit name. */
interface UnitListing {
  readonly units: readonly Unit[];
  readonly assigned: ReadonlyMap<string, readonly Assignment[]>;
  readonly published: ReadonlyMap<string, readonly UnitState[]>;
}

/** Builds the units handlers over `deps`. */
export function unitReadRoutes(deps: RouteDeps): UnitReadRoutes {
  const { registry, reads, listings } = deps;

  async function readUnits(): Promise<UnitListing> {
    const [units, assignments, states] = await Promise.all([
      reads.listUnits(),
      reads.listAssignments(),
      reads.listUnitStates(),
    ]);
    return {
      units: units.items,
      assigned: byUnit(assignments.items, (a) => a.unit),
      published: byUnit(states.items, (s) => s.unit),
    };
  }

  return {
    /** `GET /units[?names=a,b]`: a page of units (only those named) sorted by name. */
    list: ({ query }) => {
      const names = namesFilter(query);
      return pagedList(deps, query, {
        key: 'units',
        joinInFlight: names !== undefined,
        read: readUnits,
        items: (l) => (names === undefined ? l.units : l.units.filter((u) => names.has(u.name))),
        toWire: (u, l) =>
          toWireUnit(u, l.assigned.get(u.name) ?? [], l.published.get(u.name) ?? []),
        field: 'units',
      } satisfies PagedCollection<UnitListing, Unit, WireUnit, ItemField<UnitPage>>);
    },

    /** `GET /units/<name>`: one unit, or 404 `unit does not exist`. */
    async get({ name }) {
      checkStoredUnitName(name);
      const unit = await reads.getUnit(name);
      if (unit === undefined) return jsonReply(404, errorBody(404, 'unit does not exist'));
      // A global unit shows no machine or current state: nothing more to read.
      if (isGlobalUnit(unit)) return jsonReply(200, toWireUnit(unit, [], []));
      // This unit's placement and states: a few keys, whatever the size of the cluster.
      const [placement, states] = await Promise.all([
        reads.getPlacement(name),
        reads.listUnitStates({ unitName: name }),
      ]);
      return jsonReply(200, toWireUnit(unit, placement.items, states.items));
    },

    /** `DELETE /units/<name>`: 204, or 404 `unit does not exist`. */
    async destroy({ name }) {
      checkStoredUnitName(name);
      const existed = await listings.afterWrite(() => registry.destroyUnit(name));
      return existed ? emptyReply(204) : jsonReply(404, errorBody(404, 'unit does not exist'));
    },
  };
}
