// `/machines`: list live machines, and fleet's PATCH of dynamic machine metadata.
import { readJson } from '../http/body.js';
import { emptyReply } from '../http/reply.js';
import { parseMetadataPatch } from '../metadata-patch.js';
import { pagedList, type ItemField, type PagedCollection } from './paged.js';
import type { RouteDeps, RouteHandler } from '../route.js';
import { toWireMachine } from '../unit-view.js';
import type { Machine } from '@fleet/registry';
import type { MachinePage, WireMachine } from '@fleet/client';

/** Handlers of the machines resource. */
export interface MachineRoutes {
  readonly list: RouteHandler;
  readonly patch: RouteHandler;
}

/** Builds the machines handlers over `deps`. */
export function machineRoutes(deps: RouteDeps): MachineRoutes {
  const { registry, reads } = deps;
  return {
    /** `GET /machines`: a page of live machines sorted by ID. */
    list: ({ query }) =>
      pagedList(deps, query, {
        key: 'machines',
        read: async () => (await reads.listMachines()).items,
        items: (l) => l,
        toWire: toWireMachine,
        field: 'machines',
      } satisfies PagedCollection<
        readonly Machine[],
        Machine,
        WireMachine,
        ItemField<MachinePage>
      >),

    /**
     * `PATCH /machines`: all ops are validated, then applied in one transaction (204). Machines
     * need not be registered; `remove` deletes the key. As in fleet, the Content-Type is not
     * looked at: the body is read as JSON whatever it says, so `curl -X PATCH -d '[...]'` (sent
     * as `application/x-www-form-urlencoded`) and clients that send no Content-Type work.
     */
    async patch({ req }) {
      const changes = parseMetadataPatch(await readJson(req, deps.bodyLimitBytes));
      if (changes.length > 0) {
        await deps.listings.afterWrite(() => registry.setMachineMetadata(changes));
      }
      return emptyReply(204);
    },
  };
}
