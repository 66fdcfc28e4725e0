// The records the registry stores and returns. Plain data: JSON-able, immutable by convention.
// Discriminants: domain values (AssignmentOp, RegistryIssue) use `kind`, like the scheduler's
// Task, which is an AssignmentOp with a reason; change events (and the Kv ops beneath) use `type`,
// etcd's own word for put/delete.
import type { DesiredState, UnitOption } from '@fleet/unit';

/**
 * An etcd revision as a decimal string (etcd's int64s do not fit a JS number). Compare with
 * `BigInt(a) < BigInt(b)`, never as numbers or strings.
 */
export type Revision = string;

/** The fencing token of a leadership: the leader key's create revision, as a decimal string. */
export type FencingToken = string;

/** What a caller submits to create or replace a unit. */
export interface UnitInput {
  readonly name: string;
  readonly options: readonly UnitOption[];
  readonly desiredState: DesiredState;
}

/** A unit without its contents: what `unit/<name>` holds, plus the engine's reason. */
export interface UnitHead {
  readonly name: string;
  /** 40-hex SHA-1 of the serialised options (`unitHash`). */
  readonly hash: string;
  readonly desiredState: DesiredState;
  /** Why the engine has not placed the unit (or placed it where it did), if it said. */
  readonly reason?: string;
  /** Revision of the last change to the unit record (create, replace, desired state). */
  readonly revision: Revision;
}

/** A unit with its contents, fetched from the content store by hash. */
export interface Unit extends UnitHead {
  readonly options: readonly UnitOption[];
}

/** A snapshot read: the items, sorted, and the revision they were read at. */
export interface Listing<T> {
  readonly items: readonly T[];
  /** Pass this to a watch as `afterRevision` to see every later change. */
  readonly revision: Revision;
}

/** Unit U is placed on machine M, with what M's agent needs to act on it. */
export interface Assignment {
  readonly machineId: string;
  readonly unit: string;
  readonly hash: string;
  readonly desiredState: DesiredState;
  /** Revision of the last change to this assignment. */
  readonly revision: Revision;
}

/**
 * One engine write to the assignment table.
 * - `schedule`: place (or re-place) the unit on the machine; overwrites. Idempotent.
 * - `update`: change hash/desired state of an existing assignment; skipped if it is absent.
 * - `unschedule`: remove the assignment; nothing happens if it is absent. Idempotent.
 */
export type AssignmentOp =
  | {
      readonly kind: 'schedule' | 'update';
      readonly machineId: string;
      readonly unit: string;
      readonly hash: string;
      readonly desiredState: DesiredState;
    }
  | { readonly kind: 'unschedule'; readonly machineId: string; readonly unit: string };

/** What `applyAssignments` did. */
export interface ApplyResult {
  /** Revision of the last committed batch (the listing revision if nothing was written). */
  readonly revision: Revision;
  /** Number of transactions committed. */
  readonly batches: number;
  /** `update` ops skipped because their assignment did not exist. */
  readonly skipped: readonly AssignmentOp[];
}

/** A JSON value, for free-form health data. */
export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** What an agent registers for its machine. */
export interface MachineRecord {
  /** From `/etc/machine-id`. No `/`, printable ASCII. */
  readonly id: string;
  readonly publicIP: string;
  /** Metadata from the agent's configuration. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Free-form health: load, memory, disk, systemd state, uptime, ... */
  readonly health: Readonly<Record<string, JsonValue>>;
  /** fleetd version. */
  readonly version: string;
  /** Capability names, e.g. `disable-engine`. */
  readonly capabilities: readonly string[];
}

/** A machine record as stored: what the agent registered, and the TTL its session was given. */
export interface StoredMachineRecord extends MachineRecord {
  /**
   * The TTL (seconds) of the session that wrote the record: how long the machine may be silent
   * before it is gone. Absent in records written by an older release.
   */
  readonly ttlSeconds?: number;
}

/** A live machine as listed: its record with metadata merged with the dynamic metadata. */
export interface Machine extends StoredMachineRecord {
  /** Config metadata overridden by dynamic metadata (`setMachineMetadata`); removed keys are gone. */
  readonly metadata: Readonly<Record<string, string>>;
  /** The metadata the agent registered, before the merge. */
  readonly configMetadata: Readonly<Record<string, string>>;
  /** Revision of the machine record's last change. */
  readonly revision: Revision;
}

/** One dynamic metadata change (fleet's `PATCH /machines` op). `value: null` removes the key. */
export interface MetadataChange {
  readonly machineId: string;
  readonly key: string;
  readonly value: string | null;
}

/** The last result of a unit's health check on its machine (docs/deploys.md, "Health"). */
export interface UnitHealth {
  readonly status: 'passing' | 'failing';
  /** The first 256 characters of the check's output or the HTTP status line; for humans. */
  readonly output?: string;
  /** ISO time of the check, on the agent's clock. */
  readonly checkedAt: string;
}

/** What an agent publishes about one unit on its machine. */
export interface UnitStateInput {
  readonly unit: string;
  readonly hash: string;
  readonly loadState: string;
  readonly activeState: string;
  readonly subState: string;
  /**
   * What the agent has done with the unit (fleet's job state): `loaded` into systemd, or also
   * `launched` (started by the agent). Absent when the publisher does not say.
   */
  readonly state?: 'loaded' | 'launched';
  /** The unit's health check, while it is active: absent without a check or before its first result. */
  readonly health?: UnitHealth;
}

/** systemd's view of unit U on machine M. */
export interface UnitState extends UnitStateInput {
  readonly machineId: string;
  readonly revision: Revision;
}

/** Who leads the engine now. */
export interface LeaderInfo {
  readonly candidateId: string;
  readonly token: FencingToken;
}

/** A change stream told the caller to re-list: history it needed is gone (compacted). Terminal. */
/** The leader key now: `leader` is undefined while nobody leads. */
export interface LeaderEvent {
  readonly type: 'leader';
  readonly leader: LeaderInfo | undefined;
  readonly revision: Revision;
}

export interface ResyncEvent {
  readonly type: 'resync';
  readonly reason: string;
}

/** Changes to units (`reason` changes are not included). */
export type UnitEvent =
  | { readonly type: 'put'; readonly unit: Omit<UnitHead, 'reason'>; readonly revision: Revision }
  | { readonly type: 'delete'; readonly name: string; readonly revision: Revision }
  | ResyncEvent;

/** Changes to assignments. */
export type AssignmentEvent =
  | { readonly type: 'put'; readonly assignment: Assignment; readonly revision: Revision }
  | {
      readonly type: 'delete';
      readonly machineId: string;
      readonly unit: string;
      readonly revision: Revision;
    }
  | ResyncEvent;

/** Changes to machines: registration records and dynamic metadata. */
export type MachineEvent =
  | { readonly type: 'put'; readonly machine: StoredMachineRecord; readonly revision: Revision }
  | { readonly type: 'delete'; readonly machineId: string; readonly revision: Revision }
  | {
      readonly type: 'metadata';
      readonly machineId: string;
      readonly key: string;
      /** The new value; `null` when removed. */
      readonly value: string | null;
      readonly revision: Revision;
    }
  | ResyncEvent;

/** Something the registry skipped or recovered from, for the caller's log. Never fatal. */
export type RegistryIssue =
  | { readonly kind: 'corrupt-record'; readonly key: string; readonly detail: string }
  | { readonly kind: 'listener-threw'; readonly error: unknown }
  | { readonly kind: 'watch-restarted'; readonly key: string; readonly error: unknown };

/** What {@link Registry.applyUnits} writes: every name at most once across the lists. */
export interface UnitApply {
  /** Units that must not exist yet. */
  readonly create?: readonly UnitInput[];
  /** Units that must exist: new contents and desired state (no-op if both are the same). */
  readonly replace?: readonly UnitInput[];
  /** Units that must exist: a new desired state only (no-op if it is the same). */
  readonly setState?: readonly { readonly name: string; readonly desiredState: DesiredState }[];
  /** Units to destroy; one that does not exist is skipped. */
  readonly destroy?: readonly string[];
  /** Refuse (StaleRevisionError, nothing written) if the unit epoch moved past this revision. */
  readonly checkRevision?: Revision;
}

/** What {@link Registry.applyUnits} did. */
export interface UnitApplyResult {
  /** The unit epoch after the apply (the current one if nothing needed writing). */
  readonly revision: Revision;
  /** Transactions written: 0 if nothing changed, more than 1 for an apply too large for one. */
  readonly batches: number;
}
