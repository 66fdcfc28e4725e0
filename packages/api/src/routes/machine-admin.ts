// `/fleet/x/machines...` (docs/operating.md, "Machine administrative state"): the machines with
// their administrative state, and an operator's cordon, uncordon and drain.
import type {
  Assignment,
  EventKind,
  Machine,
  MachineAdmin,
  MachineAdminInput,
  MachineAdminState,
} from '@fleet/registry';
import { fleetRequirements } from '@fleet/unit';
import { HttpError } from '../errors.js';
import { readBody } from '../http/body.js';
import { jsonReply } from '../http/reply.js';
import type { RouteDeps, RouteHandler } from '../route.js';
import { decodeSegment, resource, type XResolver } from '../router.js';

/** Handlers of the machine-admin resources. */
export interface MachineAdminRoutes {
  readonly list: RouteHandler;
  readonly cordon: RouteHandler;
  readonly uncordon: RouteHandler;
  readonly drain: RouteHandler;
}

/** An admin record on the wire. */
export interface WireAdmin {
  readonly state: MachineAdminState;
  readonly reason?: string;
  readonly since: string;
  readonly by?: string;
}

/** One machine of `GET /fleet/x/machines`. */
export interface WireAdminMachine {
  readonly id: string;
  readonly primaryIP: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly admin: WireAdmin | null;
  readonly schedulable: boolean;
  readonly drained: boolean;
  readonly units: number;
}

const MAX_REASON = 1024;

/** The optional `{reason}` body: empty, or a JSON object with an optional string `reason`. */
export async function parseReasonBody(
  deps: RouteDeps,
  ctx: Parameters<RouteHandler>[0],
): Promise<string | undefined> {
  const text = (await readBody(ctx.req, deps.bodyLimitBytes)).toString('utf8');
  if (text.trim() === '') return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'unable to decode body: expected {"reason": "..."} or nothing');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'unable to decode body: expected a JSON object {"reason": "..."}');
  }
  const extra = Object.keys(body).filter((k) => k !== 'reason');
  if (extra.length > 0) throw new HttpError(400, `unknown field ${JSON.stringify(extra[0])}`);
  const reason = (body as { reason?: unknown }).reason;
  if (reason === undefined) return undefined;
  if (typeof reason !== 'string' || reason.length > MAX_REASON || /[\r\n]/.test(reason)) {
    throw new HttpError(400, `reason must be one line of at most ${MAX_REASON} characters`);
  }
  return reason === '' ? undefined : reason;
}

function toWireAdmin(a: MachineAdmin | undefined): WireAdmin | null {
  if (a === undefined) return null;
  return {
    state: a.state,
    ...(a.reason === undefined ? {} : { reason: a.reason }),
    since: a.since,
    ...(a.by === undefined ? {} : { by: a.by }),
  };
}

/** Reads the machines, their records and what runs on them, and answers them as the wire has it. */
async function readMachines(deps: RouteDeps, only?: string): Promise<WireAdminMachine[]> {
  const [machines, admins, assignments] = await Promise.all([
    deps.reads.listMachines(),
    deps.reads.listMachineAdmin(),
    deps.reads.listAssignments(only),
  ]);
  const byMachine = new Map<string, Assignment[]>();
  for (const a of assignments.items) {
    const list = byMachine.get(a.machineId) ?? [];
    list.push(a);
    byMachine.set(a.machineId, list);
  }
  const admin = new Map(admins.items.map((a) => [a.machineId, a]));
  const live = new Map<string, Machine>(machines.items.map((m) => [m.id, m]));
  const ids = new Set([...live.keys(), ...admin.keys()]);
  const draining = [...ids].filter((id) => admin.get(id)?.state === 'draining');
  const globals = draining.length > 0 ? await globalUnits(deps) : new Set<string>();
  const out: WireAdminMachine[] = [];
  for (const id of [...ids].sort()) {
    if (only !== undefined && id !== only) continue;
    const m = live.get(id);
    const a = admin.get(id);
    const held = byMachine.get(id) ?? [];
    out.push({
      id,
      primaryIP: m?.publicIP ?? '',
      metadata: { ...(m?.metadata ?? {}) },
      admin: toWireAdmin(a),
      schedulable: a === undefined && m !== undefined,
      drained: a?.state === 'draining' && held.every((x) => globals.has(x.unit)),
      units: held.length,
    });
  }
  return out;
}

async function globalUnits(deps: RouteDeps): Promise<Set<string>> {
  const units = await deps.reads.listUnits();
  return new Set(
    units.items.filter((u) => fleetRequirements(u.name, u.options).global).map((u) => u.name),
  );
}

const EVENT: Record<MachineAdminState | 'uncordoned', EventKind> = {
  cordoned: 'machine.cordoned',
  draining: 'machine.draining',
  uncordoned: 'machine.uncordoned',
};

/** Builds the handlers over `deps`; `now` gives the records' `since`. */
export function machineAdminRoutes(
  deps: RouteDeps,
  now: () => Date = () => new Date(),
): MachineAdminRoutes {
  const { registry } = deps;
  const known = async (id: string): Promise<WireAdminMachine> => {
    const [m] = await readMachines(deps, id);
    if (m === undefined) throw new HttpError(404, `machine ${id} does not exist`);
    return m;
  };
  const note = async (kind: EventKind, id: string, reason: string | undefined) => {
    const why = reason === undefined ? '' : `: ${reason}`;
    const verb = kind.slice('machine.'.length);
    try {
      await registry.appendEvents([
        { kind, machineId: id, message: `machine ${id} ${verb}${why}` },
      ]);
    } catch (err) {
      deps.logger.warn({ err, machine: id }, 'could not record a machine-admin event');
    }
  };
  const set = (state: MachineAdminState): RouteHandler => {
    return async (ctx) => {
      const id = ctx.name;
      const reason = await parseReasonBody(deps, ctx);
      const before = await known(id);
      const record: MachineAdminInput = {
        state,
        since: before.admin?.state === state ? before.admin.since : now().toISOString(),
        ...(reason === undefined ? {} : { reason }),
      };
      await registry.setMachineAdmin(id, record);
      if (before.admin?.state !== state) await note(EVENT[state], id, reason);
      return jsonReply(200, { machine: await known(id) });
    };
  };
  return {
    /** `GET /fleet/x/machines`: live machines and those with a record, sorted by ID. */
    async list() {
      return jsonReply(200, { machines: await readMachines(deps) });
    },
    cordon: set('cordoned'),
    drain: set('draining'),
    /** `POST /fleet/x/machines/{id}/uncordon`: deletes the record; nothing moves back. */
    async uncordon(ctx) {
      const id = ctx.name;
      await parseReasonBody(deps, ctx);
      const before = await known(id);
      await registry.setMachineAdmin(id, null);
      if (before.admin !== null) await note(EVENT.uncordoned, id, undefined);
      return jsonReply(200, { machine: await known(id) });
    },
  };
}

/** The resources under /fleet/x/machines: the list, and a machine's actions. */
export function machineAdminResolver(routes: MachineAdminRoutes): XResolver {
  return (rest, base) => {
    if (rest.length === 0 || (rest.length === 1 && rest[0] === '')) {
      return resource(base, { GET: routes.list });
    }
    const [item = '', action, ...extra] = rest;
    if (item === '' || action === undefined || extra.length > 0) return undefined;
    const handler =
      action === 'cordon'
        ? routes.cordon
        : action === 'uncordon'
          ? routes.uncordon
          : action === 'drain'
            ? routes.drain
            : undefined;
    if (handler === undefined) return undefined;
    return resource(`${base}/:id/${action}`, { POST: handler }, { name: decodeSegment(item) });
  };
}
