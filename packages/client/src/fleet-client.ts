// FleetClient: fleet's API v1 (FleetV1Client) and fleet-ts's own resources beside it, under
// /fleet/x (docs/deploys.md): plan and apply, rollouts, the cluster event log.
import { FleetV1Client } from './client.js';
import { planSchema, type Plan, type PlanRequest } from './deploys.js';
import {
  eventsQuery,
  parseEventPage,
  readEventStream,
  type EventPage,
  type EventsOptions,
  type WireEvent,
} from './events.js';
import type { WireRollout, WireRolloutRecords, WireRolloutUndo } from './rollout-wire.js';
import {
  rolloutListSchema,
  rolloutRecordsSchema,
  rolloutSchema,
  rolloutUndoSchema,
} from './rollout-schemas.js';
import type { Schema } from './schemas.js';
import {
  maintenanceEnterSchema,
  maintenanceExitSchema,
  maintenanceSchema,
  type WireMaintenance,
  type WireMaintenanceEnter,
  type WireMaintenanceExit,
} from './maintenance.js';
import {
  adminMachineListSchema,
  adminMachineSchema,
  type WireAdminMachine,
} from './machine-admin.js';

const X_PREFIX = '/fleet/x';

/** A typed client of one fleetd's API: fleet's v1 and fleet-ts's /fleet/x. */
export class FleetClient extends FleetV1Client {
  /** `POST /fleet/x/plan`: what an apply of these units would change. */
  plan(req: PlanRequest): Promise<Plan> {
    return this.x('POST', '/plan', planSchema, req);
  }

  /** `POST /fleet/x/apply`: makes the cluster match; an ApiError 409 if `checkRevision` is stale. */
  apply(req: PlanRequest): Promise<Plan> {
    return this.x('POST', '/apply', planSchema, req);
  }

  /** The current rollout of every group that has one. */
  async listRollouts(): Promise<WireRollout[]> {
    return (await this.x('GET', '/rollouts', rolloutListSchema)).rollouts;
  }

  /** A group's rollouts (`name`: the group or any unit of it), or `undefined` if it never had one. */
  async getRollout(name: string): Promise<WireRolloutRecords | undefined> {
    const path = `/rollouts/${encodeURIComponent(name)}`;
    const res = await this.call('GET', path, undefined, [404], X_PREFIX);
    return res.status === 404
      ? undefined
      : this.decode(res, rolloutRecordsSchema, `GET ${X_PREFIX}${path}`);
  }

  /** Pauses a running rollout (ApiError 409 otherwise). */
  pauseRollout(name: string): Promise<WireRollout> {
    return this.x('POST', `/rollouts/${encodeURIComponent(name)}/pause`, rolloutSchema);
  }

  /** Resumes a paused rollout (ApiError 409 otherwise). */
  resumeRollout(name: string): Promise<WireRollout> {
    return this.x('POST', `/rollouts/${encodeURIComponent(name)}/resume`, rolloutSchema);
  }

  /** Puts the group back on the version before its current one (ApiError 409 if there is none). */
  undoRollout(name: string): Promise<WireRolloutUndo> {
    return this.x('POST', `/rollouts/${encodeURIComponent(name)}/undo`, rolloutUndoSchema);
  }

  /** The maintenance semaphore: its limit and holders. */
  getMaintenance(): Promise<WireMaintenance> {
    return this.x('GET', '/maintenance', maintenanceSchema);
  }

  /**
   * A maintenance slot for `machine` (default: the machine of the fleetd answering), which then
   * drains. An ApiError 409 when every slot is taken (its message names the holders).
   */
  enterMaintenance(machine?: string, reason?: string): Promise<WireMaintenanceEnter> {
    const body = { ...(machine === undefined ? {} : { machine }), ...(reason ? { reason } : {}) };
    return this.x('POST', '/maintenance/enter', maintenanceEnterSchema, body);
  }

  /** Uncordons `machine` (default: the answering fleetd's) and releases its slot. */
  exitMaintenance(machine?: string): Promise<WireMaintenanceExit> {
    const body = machine === undefined ? {} : { machine };
    return this.x('POST', '/maintenance/exit', maintenanceExitSchema, body);
  }

  /** How many machines may be in maintenance at once. */
  setMaintenanceLimit(limit: number): Promise<WireMaintenance> {
    return this.x('PUT', '/maintenance/limit', maintenanceSchema, { limit });
  }

  /** Machines with their administrative state (`GET /fleet/x/machines`). */
  async listAdminMachines(): Promise<WireAdminMachine[]> {
    return (await this.x('GET', '/machines', adminMachineListSchema)).machines;
  }

  /** Cordons, drains or uncordons a machine (full ID; ApiError 404 for an unknown one). */
  async setMachineAdmin(
    id: string,
    action: 'cordon' | 'uncordon' | 'drain',
    reason?: string,
  ): Promise<WireAdminMachine> {
    const path = `/machines/${encodeURIComponent(id)}/${action}`;
    const body = reason === undefined ? undefined : { reason };
    return (await this.x('POST', path, adminMachineSchema, body)).machine;
  }

  /** A call to the /fleet/x API, its answer decoded. */
  private async x<T>(method: string, path: string, schema: Schema<T>, body?: unknown): Promise<T> {
    const res = await this.call(method, path, body, [], X_PREFIX);
    return this.decode(res, schema, `${method} ${X_PREFIX}${path}`);
  }

  /** A page of the cluster event log, oldest first (`GET /fleet/x/events`). */
  async listEvents(opts: EventsOptions = {}): Promise<EventPage> {
    const res = await this.call('GET', `/events${eventsQuery(opts)}`, undefined, [], X_PREFIX);
    return parseEventPage(res.body);
  }

  /**
   * The events after `opts.after` (all, if absent), then each new one as it is appended, until
   * `signal` is aborted (the iteration then ends quietly) or the server ends the stream.
   * @throws ApiError for an error answer (e.g. 400 for a bad `after`)
   */
  async *followEvents(
    opts: Omit<EventsOptions, 'limit'> & { readonly signal?: AbortSignal } = {},
  ): AsyncGenerator<WireEvent> {
    const signal = opts.signal ?? new AbortController().signal;
    const path = `${X_PREFIX}/events${eventsQuery({ ...opts, follow: true })}`;
    let res;
    try {
      res = await this.transport.open(path, signal);
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    if (res.statusCode !== 200) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(Buffer.from(c as Buffer));
      throw this.apiError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), 'GET', path);
    }
    yield* readEventStream(res, signal);
  }
}
