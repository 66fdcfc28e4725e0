// The JSON shapes of fleet's API v1, field for field (schema/v1.json). Empty scalar fields are
// left out, as Go's `omitempty` did; page lists are always present (an empty page is `[]`).

/** A unit's desired (or current) state as the API spells it; the same words as @fleet/unit's. */
export type WireDesiredState = 'inactive' | 'loaded' | 'launched';

/** One `Name=Value` line of a unit, and its section. */
export interface WireUnitOption {
  readonly section: string;
  readonly name: string;
  readonly value: string;
}

/** A unit as the API shows it. */
export interface WireUnit {
  readonly name: string;
  readonly options: readonly WireUnitOption[];
  readonly desiredState: WireDesiredState;
  /** Absent for global units, which run on many machines. */
  readonly currentState?: WireDesiredState;
  /** The machine the unit is scheduled to; absent when unscheduled and for global units. */
  readonly machineID?: string;
  /** Additive field: why the scheduler placed the unit where it did or why it waits. */
  readonly reason?: string;
}

/** What systemd reports for one unit on one machine. */
export interface WireUnitState {
  readonly name: string;
  readonly hash: string;
  readonly machineID: string;
  readonly systemdLoadState?: string;
  readonly systemdActiveState?: string;
  readonly systemdSubState?: string;
  /**
   * Not in fleet: what the machine's agent did with the unit, `loaded` or `launched` (its start
   * job finished). `launched` with systemd `inactive` is a service that ran and exited. fleet's
   * clients ignore fields they do not know.
   */
  readonly state?: 'loaded' | 'launched';
  /**
   * Not in fleet: the unit's health check on that machine, while the unit is active and once the
   * check has a result (docs/deploys.md, "Health").
   */
  readonly health?: WireUnitHealth;
}

/** The last result of a unit's health check (its status changed then). */
export interface WireUnitHealth {
  readonly status: 'passing' | 'failing';
  /** The check's first output or the HTTP status line, for humans. */
  readonly output?: string;
  /** ISO time of the check. */
  readonly checkedAt: string;
}

/** A live machine. */
export interface WireMachine {
  readonly id: string;
  readonly primaryIP?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * Not in fleet: the agent's health record (load, memory, disk, systemState, version, uptimes),
   * as free-form JSON. fleet's clients ignore fields they do not know.
   */
  readonly health?: Readonly<Record<string, unknown>>;
  /** Not in fleet: the fleetd version the machine runs. */
  readonly version?: string;
}

/** `GET /units`. */
export interface UnitPage {
  readonly units: readonly WireUnit[];
  readonly nextPageToken?: string;
}

/** `GET /state`. */
export interface UnitStatePage {
  readonly states: readonly WireUnitState[];
  readonly nextPageToken?: string;
}

/** `GET /machines`. */
export interface MachinePage {
  readonly machines: readonly WireMachine[];
  readonly nextPageToken?: string;
}

/** The body of `PUT /units/<name>`. */
export interface UnitPutBody {
  readonly name?: string;
  readonly options?: readonly WireUnitOption[];
  readonly desiredState?: WireDesiredState;
}

/** One op of `PATCH /machines`. `value` may be bare or nested (`{"value": "x"}`). */
export interface MachineMetadataOp {
  readonly op: 'add' | 'replace' | 'remove';
  /** `/<machineID>/metadata/<key>` */
  readonly path: string;
  readonly value?: string | { readonly value: string };
}
