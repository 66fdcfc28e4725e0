// FleetClient: fleet's API v1 for fleetctl and tests. Lists follow every page; a 404 on a GET of
// one unit or state means "absent"; every other error status is an ApiError with the server's
// message.
import { STATUS_CODES } from 'node:http';
import type {
  MachineMetadataOp,
  WireDesiredState,
  WireMachine,
  WireUnit,
  WireUnitOption,
  WireUnitState,
} from './wire.js';
import { DEFAULT_ENDPOINT, parseEndpoint } from './endpoint.js';
import { ApiError, BadResponseError } from './errors.js';
import { byCodeUnits, namesQueries } from './names.js';
import {
  errorSchema,
  type Schema,
  machinePageSchema,
  unitPageSchema,
  unitSchema,
  unitStatePageSchema,
  unitStateSchema,
} from './schemas.js';
import type { WireRollout, WireRolloutRecords, WireRolloutUndo } from './rollout-wire.js';
import {
  rolloutListSchema,
  rolloutRecordsSchema,
  rolloutSchema,
  rolloutUndoSchema,
} from './rollout-schemas.js';
import { Transport, type CreateConnection, type RawResponse, type TlsFiles } from './transport.js';

/** Options of {@link FleetClient}. */
export interface FleetClientOptions extends TlsFiles {
  /** `unix:///run/fleet.sock` (default), `file:///...`, `http://host:port`, `https://...`. */
  readonly endpoint?: string;
  /**
   * Reach fleetd through this stream instead of dialing (e.g. an SSH channel to the socket).
   * The endpoint still decides the paths, the Host header and (for https) TLS.
   */
  readonly createConnection?: CreateConnection;
  /** Deadline of each request in milliseconds (default 10,000). */
  readonly timeoutMs?: number;
}

/** A unit to create or replace. */
export interface UnitSpec {
  readonly name: string;
  readonly options: readonly WireUnitOption[];
  /** Omitted: `inactive` for a new unit, unchanged for a replaced one. */
  readonly desiredState?: WireDesiredState;
}

const PREFIX = '/fleet/v1';
/** fleet-ts's own resources, beside fleet's v1 (docs/deploys.md). */
const X_PREFIX = '/fleet/x';

/** A typed client of one fleetd's API. */
export class FleetClient {
  /** The endpoint, as given. */
  readonly endpoint: string;
  private readonly transport: Transport;

  /** @throws EndpointError for a malformed endpoint or an unreadable TLS file */
  constructor(opts: FleetClientOptions = {}) {
    this.endpoint = opts.endpoint ?? DEFAULT_ENDPOINT;
    this.transport = new Transport(
      parseEndpoint(this.endpoint),
      opts.timeoutMs ?? 10_000,
      opts,
      opts.createConnection,
    );
  }

  /**
   * Every unit, sorted by name; with `names`, those of them that exist (one request per couple
   * of kB of names, at once, whatever the size of the cluster).
   */
  listUnits(filter: { readonly names?: readonly string[] } = {}): Promise<WireUnit[]> {
    if (filter.names === undefined) return this.collect('/units', unitPageSchema, (p) => p.units);
    return this.named(
      filter.names,
      (names) => this.collect(`/units?names=${names}`, unitPageSchema, (p) => p.units),
      (u) => u.name,
      (a, b) => byCodeUnits(a.name, b.name),
    );
  }

  /** One unit, or `undefined` if it does not exist. */
  async getUnit(name: string): Promise<WireUnit | undefined> {
    const res = await this.call('GET', `/units/${encodeURIComponent(name)}`, undefined, [404]);
    return res.status === 404 ? undefined : this.decode(res, unitSchema, 'GET /units/<name>');
  }

  /**
   * PUT of a unit with its options: creates it (with `desiredState` or `inactive`), or replaces
   * the contents of an existing unit whose options differ. Same options as stored: sets
   * `desiredState` (required then).
   */
  async createUnit(unit: UnitSpec): Promise<void> {
    await this.call('PUT', `/units/${encodeURIComponent(unit.name)}`, {
      name: unit.name,
      options: unit.options,
      ...(unit.desiredState === undefined ? {} : { desiredState: unit.desiredState }),
    });
  }

  /** Replaces an existing unit's contents (the same PUT as {@link createUnit}). */
  replaceUnit(unit: UnitSpec): Promise<void> {
    return this.createUnit(unit);
  }

  /** Sets an existing unit's desired state. */
  async setDesiredState(name: string, desiredState: WireDesiredState): Promise<void> {
    await this.call('PUT', `/units/${encodeURIComponent(name)}`, { name, desiredState });
  }

  /** Destroys a unit. @returns false if it did not exist. */
  async destroyUnit(name: string): Promise<boolean> {
    const res = await this.call('DELETE', `/units/${encodeURIComponent(name)}`, undefined, [404]);
    return res.status !== 404;
  }

  /**
   * Published unit states, sorted by unit then machine; filters are exact. `names`: the states
   * of those units only (as for {@link listUnits}).
   */
  listUnitStates(
    filter: {
      readonly machineID?: string;
      readonly unitName?: string;
      readonly names?: readonly string[];
    } = {},
  ): Promise<WireUnitState[]> {
    const query = new URLSearchParams();
    if (filter.machineID !== undefined) query.set('machineID', filter.machineID);
    if (filter.unitName !== undefined) query.set('unitName', filter.unitName);
    const qs = query.toString();
    const path = (names?: string): string => {
      const q = [qs, names === undefined ? '' : `names=${names}`].filter((p) => p !== '');
      return q.length === 0 ? '/state' : `/state?${q.join('&')}`;
    };
    if (filter.names === undefined) {
      return this.collect(path(), unitStatePageSchema, (p) => p.states);
    }
    return this.named(
      filter.names,
      (names) => this.collect(path(names), unitStatePageSchema, (p) => p.states),
      (s) => s.name,
      (a, b) => byCodeUnits(a.name, b.name) || byCodeUnits(a.machineID, b.machineID),
    );
  }

  /** A listing of the named units' items: each piece of names at once, filtered and sorted. */
  private async named<T>(
    names: readonly string[],
    fetch: (namesQuery: string) => Promise<T[]>,
    nameOf: (item: T) => string,
    order: (a: T, b: T) => number,
  ): Promise<T[]> {
    const pieces = namesQueries(names);
    const answers = await Promise.all(pieces.map(fetch));
    // A server without the filter (fleet) answers every item to every piece: keep each piece's.
    const kept = answers.flatMap((items, i) => {
      const own = new Set((pieces[i] ?? '').split(',').map(decodeURIComponent));
      return items.filter((item) => own.has(nameOf(item)));
    });
    return kept.sort(order);
  }

  /** A unit's state on the first machine reporting one, or `undefined`. */
  async getUnitState(name: string): Promise<WireUnitState | undefined> {
    const res = await this.call('GET', `/state/${encodeURIComponent(name)}`, undefined, [404]);
    return res.status === 404 ? undefined : this.decode(res, unitStateSchema, 'GET /state/<name>');
  }

  /** Live machines, sorted by ID. */
  listMachines(): Promise<WireMachine[]> {
    return this.collect('/machines', machinePageSchema, (p) => p.machines);
  }

  /** Adds, replaces or removes dynamic machine metadata, all or nothing. */
  async patchMachineMetadata(ops: readonly MachineMetadataOp[]): Promise<void> {
    await this.call('PATCH', '/machines', ops);
  }

  /** The current rollout of every group that has one. */
  async listRollouts(): Promise<WireRollout[]> {
    const res = await this.call('GET', '/rollouts', undefined, [], X_PREFIX);
    return this.decode(res, rolloutListSchema, 'GET /fleet/x/rollouts').rollouts;
  }

  /** A group's rollouts (`name`: the group or any unit of it), or `undefined` if it never had one. */
  async getRollout(name: string): Promise<WireRolloutRecords | undefined> {
    const res = await this.call(
      'GET',
      `/rollouts/${encodeURIComponent(name)}`,
      undefined,
      [404],
      X_PREFIX,
    );
    return res.status === 404
      ? undefined
      : this.decode(res, rolloutRecordsSchema, 'GET /fleet/x/rollouts/<group>');
  }

  /** Pauses a running rollout (ApiError 409 otherwise). */
  pauseRollout(name: string): Promise<WireRollout> {
    return this.rolloutAction(name, 'pause', rolloutSchema);
  }

  /** Resumes a paused rollout (ApiError 409 otherwise). */
  resumeRollout(name: string): Promise<WireRollout> {
    return this.rolloutAction(name, 'resume', rolloutSchema);
  }

  /** Puts the group back on the version before its current one (ApiError 409 if there is none). */
  undoRollout(name: string): Promise<WireRolloutUndo> {
    return this.rolloutAction(name, 'undo', rolloutUndoSchema);
  }

  private async rolloutAction<T>(name: string, action: string, schema: Schema<T>): Promise<T> {
    const path = `/rollouts/${encodeURIComponent(name)}/${action}`;
    const res = await this.call('POST', path, undefined, [], X_PREFIX);
    return this.decode(res, schema, `POST /fleet/x/rollouts/<group>/${action}`);
  }

  /** Closes idle connections (lets a CLI exit at once). */
  close(): void {
    this.transport.close();
  }

  private async call(
    method: string,
    path: string,
    body?: unknown,
    expected: readonly number[] = [],
    prefix = PREFIX,
  ): Promise<RawResponse> {
    const res = await this.transport.request(method, `${prefix}${path}`, body);
    if ((res.status >= 200 && res.status < 300) || expected.includes(res.status)) return res;
    let message = '';
    try {
      message = errorSchema.parse(JSON.parse(res.body)).error.message ?? '';
    } catch {
      // not fleet's error JSON: fall back to the status text
    }
    if (message === '') message = `${res.status} ${STATUS_CODES[res.status] ?? 'error'}`;
    throw new ApiError(res.status, message, method, `${prefix}${path}`);
  }

  private decode<T>(res: RawResponse, schema: Schema<T>, what: string): T {
    let json: unknown;
    try {
      json = JSON.parse(res.body);
    } catch (err) {
      throw new BadResponseError(`${what}: the server's answer is not JSON`, { cause: err });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new BadResponseError(`${what}: unexpected answer: ${parsed.error.message}`, {
        cause: parsed.error,
      });
    }
    return parsed.data;
  }

  private async collect<P extends { readonly nextPageToken?: string | undefined }, T>(
    path: string,
    schema: Schema<P>,
    items: (page: P) => readonly T[],
  ): Promise<T[]> {
    const all: T[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    for (;;) {
      const sep = path.includes('?') ? '&' : '?';
      const url =
        token === undefined ? path : `${path}${sep}nextPageToken=${encodeURIComponent(token)}`;
      const page = this.decode(await this.call('GET', url), schema, `GET ${path}`);
      all.push(...items(page));
      token = page.nextPageToken === '' ? undefined : page.nextPageToken;
      if (token === undefined) return all;
      if (seen.has(token))
        throw new BadResponseError(`GET ${path}: the server repeated page token ${token}`);
      seen.add(token);
    }
  }
}
