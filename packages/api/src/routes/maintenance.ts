// `/fleet/x/maintenance...` (docs/operating.md, "Coordinated maintenance"): the cluster-wide
// semaphore an OS updater takes before it drains and reboots a machine, and releases after.
import type { IncomingMessage } from 'node:http';
import type { Maintenance, MaintenanceHolder, UnitStore } from '@fleet/registry';
import { HttpError } from '../errors.js';
import { readBody, requireContentType } from '../http/body.js';
import { jsonReply } from '../http/reply.js';
import type { RouteDeps, RouteHandler } from '../route.js';
import { resource, type XResolver } from '../router.js';

/** A machine's cordon or drain (docs/operating.md, "Machine administrative state"). */
export interface MachineAdminPort {
  setMachineAdmin?(
    machineId: string,
    record: {
      readonly state: 'cordoned' | 'draining';
      readonly reason?: string;
      readonly since: string;
      readonly by?: string;
    } | null,
  ): Promise<unknown>;
}

/** What the maintenance routes change: the semaphore, and a machine's cordon or drain. */
export type MaintenanceStore = Pick<
  UnitStore,
  | 'getMaintenance'
  | 'enterMaintenance'
  | 'exitMaintenance'
  | 'setMaintenanceLimit'
  | 'listMachines'
  | 'appendEvents'
> &
  MachineAdminPort;

/** Handlers of the maintenance resources. */
export interface MaintenanceRoutes {
  readonly get: RouteHandler;
  readonly enter: RouteHandler;
  readonly exit: RouteHandler;
  readonly limit: RouteHandler;
}

const MAX_REASON = 1024;

/** The semaphore on the wire. */
export function toWireMaintenance(m: Maintenance): Maintenance {
  return { limit: m.limit, holders: m.holders.map(toWireHolder), revision: m.revision };
}

function toWireHolder(h: MaintenanceHolder): MaintenanceHolder {
  return {
    machineId: h.machineId,
    since: h.since,
    ...(h.reason === undefined ? {} : { reason: h.reason }),
  };
}

/** A JSON object body, or `{}` when there is none. */
async function optionalBody(
  req: IncomingMessage,
  limit: number,
): Promise<Readonly<Record<string, unknown>>> {
  const raw = (await readBody(req, limit)).toString('utf8');
  if (raw.trim() === '') return {};
  requireContentType(req);
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new HttpError(400, 'unable to decode body: it is not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new HttpError(400, 'unable to decode body: expected a JSON object');
  }
  return v as Record<string, unknown>;
}

function optionalString(body: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v === '') {
    throw new HttpError(400, `"${key}" must be a non-empty string`);
  }
  if (v.length > MAX_REASON) throw new HttpError(400, `"${key}" is longer than ${MAX_REASON}`);
  return v;
}

/** Who holds the slots, as a 409's message says it. */
export function fullMessage(m: Maintenance): string {
  const who = m.holders.map((h) => `${h.machineId} (since ${h.since})`).join(', ');
  return `maintenance is full (limit ${m.limit}): held by ${who || 'nobody'}`;
}

/**
 * Builds the maintenance handlers. `self` is the machine of the fleetd serving the request: the
 * machine `enter` and `exit` act on when the body names none.
 */
export function maintenanceRoutes(
  deps: RouteDeps,
  store: MaintenanceStore,
  self: string | undefined,
): MaintenanceRoutes {
  const machineOf = (body: Readonly<Record<string, unknown>>): string => {
    const id = optionalString(body, 'machine') ?? self;
    if (id === undefined) {
      throw new HttpError(400, 'name a machine: this fleetd serves no machine of its own');
    }
    return id;
  };
  return {
    /** `GET /fleet/x/maintenance`: limit and holders. */
    async get() {
      return jsonReply(200, toWireMaintenance(await deps.reads.getMaintenance()));
    },
    /** `POST /fleet/x/maintenance/enter` body `{machine?, reason?}`: a slot, and a drain. */
    async enter({ req }) {
      const body = await optionalBody(req, deps.bodyLimitBytes);
      const machineId = machineOf(body);
      const reason = optionalString(body, 'reason');
      const cur = await store.getMaintenance();
      if (!cur.holders.some((h) => h.machineId === machineId)) {
        const known = (await store.listMachines()).items.some((m) => m.id === machineId);
        if (!known) throw new HttpError(404, `machine ${machineId} does not exist`);
      }
      const res = await store.enterMaintenance(machineId, reason);
      if (res.outcome === 'full') throw new HttpError(409, fullMessage(res.maintenance));
      const since = res.holder?.since ?? new Date().toISOString();
      // Again on `held`: a drain that was lost between the slot and it is written now.
      await store.setMachineAdmin?.(machineId, {
        state: 'draining',
        reason: reason ?? 'maintenance',
        since,
        by: 'maintenance',
      });
      if (res.outcome === 'entered') {
        await store.appendEvents([
          {
            kind: 'maintenance.entered',
            machineId,
            message: `${machineId} entered maintenance${reason === undefined ? '' : `: ${reason}`}`,
          },
        ]);
      }
      return jsonReply(200, {
        outcome: res.outcome,
        holder: res.holder === undefined ? null : toWireHolder(res.holder),
        maintenance: toWireMaintenance(res.maintenance),
      });
    },
    /** `POST /fleet/x/maintenance/exit` body `{machine?}`: uncordon, then the slot released. */
    async exit({ req }) {
      const machineId = machineOf(await optionalBody(req, deps.bodyLimitBytes));
      const out = await exitMaintenance(store, machineId, 'by an operator');
      return jsonReply(200, {
        exited: out.exited,
        maintenance: toWireMaintenance(out.maintenance),
      });
    },
    /** `PUT /fleet/x/maintenance/limit` body `{limit}`. */
    async limit({ req }) {
      const body = await optionalBody(req, deps.bodyLimitBytes);
      const limit = body['limit'];
      if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) {
        throw new HttpError(400, '"limit" must be an integer of at least 1');
      }
      return jsonReply(200, toWireMaintenance(await store.setMaintenanceLimit(limit)));
    },
  };
}

/**
 * Takes a machine out of maintenance: uncordons it first (so that a failure leaves the slot held,
 * never a second machine draining beside a still cordoned one), then releases its slot, and
 * records `maintenance.exited` if it held one. Idempotent. fleetd's release after a reboot is this.
 */
export async function exitMaintenance(
  store: Pick<MaintenanceStore, 'exitMaintenance' | 'appendEvents'> & MachineAdminPort,
  machineId: string,
  how: string,
): Promise<{ exited: boolean; maintenance: Maintenance }> {
  await store.setMachineAdmin?.(machineId, null);
  const out = await store.exitMaintenance(machineId);
  if (out.exited) {
    await store.appendEvents([
      { kind: 'maintenance.exited', machineId, message: `${machineId} left maintenance ${how}` },
    ]);
  }
  return out;
}

/** The resources under /fleet/x/maintenance. */
export function maintenanceResolver(routes: MaintenanceRoutes): XResolver {
  return (rest, base) => {
    if (rest.length === 0) return resource(base, { GET: routes.get });
    const [action, ...extra] = rest;
    if (extra.length > 0) return undefined;
    if (action === 'enter') return resource(`${base}/enter`, { POST: routes.enter });
    if (action === 'exit') return resource(`${base}/exit`, { POST: routes.exit });
    if (action === 'limit') return resource(`${base}/limit`, { PUT: routes.limit });
    return undefined;
  };
}
