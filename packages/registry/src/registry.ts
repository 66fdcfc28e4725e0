// The Registry port: the only way the engine, the agents and the API touch shared state.
import type { DesiredState, UnitOption } from '@fleet/unit';
import type {
  ApplyResult,
  Assignment,
  AssignmentEvent,
  AssignmentOp,
  FencingToken,
  LeaderEvent,
  LeaderInfo,
  ResyncEvent,
  Revision,
  Listing,
  Machine,
  MachineEvent,
  MachineRecord,
  MetadataChange,
  Unit,
  UnitEvent,
  UnitHead,
  UnitApply,
  UnitApplyResult,
  UnitInput,
  UnitState,
  UnitStateInput,
} from './types.js';
import type { RolloutRegistry } from './rollout-registry.js';
import type { EventLog } from './event-types.js';
import type { MaintenanceRegistry } from './maintenance-types.js';
import type { MachineAdminRegistry } from './machine-admin-registry.js';
/**
 * fleet's cluster state: units and their contents, assignments, machines, unit states and
 * engine leadership, with change streams.
 *
 * Common rules:
 * - Every multi-key change is one transaction: it happens entirely or not at all.
 * - Lists are sorted (byte order of names/IDs) and carry the revision they were read at;
 *   pass it to a `watch*` method as `afterRevision` to see every later change exactly once.
 * - Records that cannot be decoded are skipped and reported through the `report` option,
 *   never fatal for a read.
 * - Errors are {@link RegistryError}s: `REGISTRY_UNAVAILABLE` (retryable, names the
 *   endpoints) when the store cannot be reached, `REGISTRY_INVALID_INPUT` for malformed
 *   arguments (nothing written), plus the per-method errors below.
 */
export interface Registry
  extends RolloutRegistry, EventLog, MaintenanceRegistry, MachineAdminRegistry {
  /**
   * Creates a unit: stores its record and (once per hash) its contents.
   * @returns the stored record.
   * @throws UnitExistsError if a unit with that name exists (its record is attached).
   * @throws UnitTooLargeError if the stored form would exceed the store's request limit.
   */
  createUnit(input: UnitInput): Promise<UnitHead>;

  /**
   * Replaces an existing unit's contents and desired state (fleet's PUT "replace"). The old
   * contents are garbage-collected in the same transaction if no other unit uses them.
   * Idempotent: replacing with the same hash and state changes nothing.
   * @throws UnitNotFoundError if the unit does not exist.
   * @throws UnitTooLargeError as for createUnit.
   */
  replaceUnit(input: UnitInput): Promise<UnitHead>;

  /**
   * Sets a unit's desired state. Idempotent: setting the current state writes nothing.
   * @throws UnitNotFoundError if the unit does not exist.
   */
  setDesiredState(name: string, state: DesiredState): Promise<UnitHead>;

  /**
   * Destroys a unit: its record, its reason and (if no other unit uses them) its contents, in
   * one transaction. Assignments are the engine's to remove.
   * @returns whether the unit existed.
   */
  destroyUnit(name: string): Promise<boolean>;

  /** The revision of the last change to any unit (`"0"` before the first): read before listUnits. */
  unitEpoch(): Promise<Revision>;

  /**
   * Writes many unit changes together, contents kept as the single-unit methods keep them; one
   * transaction if it fits, else batches (see core/apply.ts). Everything is checked first.
   * @throws StaleRevisionError if a unit changed after `checkRevision` (nothing written).
   */
  applyUnits(req: UnitApply): Promise<UnitApplyResult>;

  /** One unit with its contents, or `undefined` if it does not exist. */
  getUnit(name: string): Promise<Unit | undefined>;

  /** Every unit with its contents, sorted by name, read at one revision. */
  listUnits(): Promise<Listing<Unit>>;

  /**
   * Unit contents by hash (what an agent needs for an assignment), or `undefined` once no
   * unit uses that hash any more.
   */
  getContents(hash: string): Promise<readonly UnitOption[] | undefined>;

  /**
   * {@link getContents} of many hashes at once, read in batches (a few requests for thousands of
   * hashes). Hashes whose contents do not exist are absent from the result.
   */
  getContentsMany(hashes: readonly string[]): Promise<ReadonlyMap<string, readonly UnitOption[]>>;

  /**
   * Engine only, fenced: records why a unit is (not) placed; `null` clears it.
   * @returns false if the unit no longer exists (nothing written).
   * @throws NotLeaderError if `token` is not the current leader's.
   */
  setUnitReason(token: FencingToken, name: string, reason: string | null): Promise<boolean>;

  /**
   * Engine only, fenced: applies assignment ops. Ops are ordered unschedule, update,
   * schedule (so a move never briefly doubles a unit) and committed in transactions of at
   * most `maxOpsPerTxn` ops, each guarded by the leader key. Each transaction is atomic;
   * the call as a whole is not, but every op is idempotent, so re-applying after an error
   * is safe. An (machineId, unit) pair may appear once per call.
   * @throws NotLeaderError (with `committedBatches`) if the token is not the leader's.
   */
  applyAssignments(token: FencingToken, ops: readonly AssignmentOp[]): Promise<ApplyResult>;

  /** Assignments of one machine, or of all machines; sorted by machine, then unit. */
  listAssignments(machineId?: string): Promise<Listing<Assignment>>;

  /**
   * Where one unit is placed: its assignments (none, one, or one per machine for a global unit),
   * sorted by machine, read through a per-unit index in a few keys whatever the cluster's size.
   * On a store written before the index existed, the first reads scan every assignment once and
   * complete the index.
   */
  getPlacement(name: string): Promise<Listing<Assignment>>;

  /**
   * Registers a machine under a new lease of `ttlSeconds`: the machine record and every unit
   * state the session publishes live exactly as long as the lease. Keepalive is automatic.
   * With `opts.replacing` (the {@link MachineSession.leaseId} of this machine's previous session,
   * whose process the caller knows is gone), a machine key still held by exactly that lease is
   * taken over in one transaction, so the machine never disappears, and the old lease is revoked
   * (removing the unit states it carried).
   * @throws MachineExistsError if another live session holds that machine ID (retryable: a
   * crashed session's key expires after its TTL).
   */
  registerMachine(
    record: MachineRecord,
    ttlSeconds: number,
    opts?: RegisterOptions,
  ): Promise<MachineSession>;

  /** Live machines, sorted by ID, with dynamic metadata merged into `metadata`. */
  listMachines(): Promise<Listing<Machine>>;

  /**
   * fleet's `PATCH /machines`: sets (or with `null` removes) dynamic metadata keys, all in
   * one transaction. Dynamic metadata overrides the agent's config metadata, survives the
   * machine leaving, and needs no registered machine.
   */
  setMachineMetadata(changes: readonly MetadataChange[]): Promise<void>;

  /**
   * Published unit states, optionally filtered (exact match), sorted by unit then machine.
   * Filtering by unit reads only that unit's states; by machine alone scans all states.
   */
  listUnitStates(filter?: {
    readonly machineId?: string;
    readonly unitName?: string;
  }): Promise<Listing<UnitState>>;

  /**
   * One attempt to become engine leader: a lease of `ttlSeconds` and a create-if-absent of
   * the leader key bound to it.
   * @returns the leadership, or `undefined` if someone else leads (see {@link getLeader}).
   */
  campaign(candidateId: string, ttlSeconds: number): Promise<Leadership | undefined>;

  /** The current leader, read fresh from the store. */
  getLeader(): Promise<LeaderInfo | undefined>;

  /**
   * The leader as it is now (one event, at once), then every change of it: how a follower
   * engine learns that leadership is open without polling. If the store cannot be read or the
   * history is compacted it delivers one `resync` event and ends.
   */
  watchLeader(onEvent: (e: LeaderEvent | ResyncEvent) => void): Watch;

  /**
   * Changes to units after `afterRevision` (a listing's revision), in revision order. A
   * dropped connection resumes where it left off; if the history is compacted the watch
   * delivers one `resync` event and ends: list again and start a new watch.
   */
  watchUnits(afterRevision: string, onEvent: (e: UnitEvent) => void): Watch;

  /** As {@link watchUnits}, for the assignments of one machine (or all, if `undefined`). */
  watchAssignments(
    machineId: string | undefined,
    afterRevision: string,
    onEvent: (e: AssignmentEvent) => void,
  ): Watch;

  /** As {@link watchUnits}, for machine records (join/leave/update) and dynamic metadata. */
  watchMachines(afterRevision: string, onEvent: (e: MachineEvent) => void): Watch;

  /** Ends watches, stops keepalives (sessions and leaderships are left to expire) and disconnects. */
  close(): Promise<void>;
}

/** Options of {@link Registry.registerMachine}. */
export interface RegisterOptions {
  /** The lease ID of this machine's previous session, whose process is known to be gone. */
  readonly replacing?: string;
}

/** A machine's registration, alive while its lease is kept alive. */
export interface MachineSession {
  readonly machineId: string;
  readonly ttlSeconds: number;
  /** The session's lease ID (decimal): what a successor passes as `replacing`. */
  readonly leaseId: string;
  /** Aborted when the session is over: closed, or its lease found expired. Re-register then. */
  readonly signal: AbortSignal;
  /**
   * Monotonic clock time (ms, `Clock.monotonic()`) at which the latest acknowledged renewal of the
   * lease was sent (the grant at first): how long the machine has gone without a heartbeat etcd
   * answered. Not wall-clock time: an NTP step does not move it.
   */
  lastRenewedAt(): number;
  /**
   * Rewrites the machine record (same ID), e.g. new health or IP.
   * @throws SessionLostError if the lease is gone.
   */
  update(record: MachineRecord): Promise<void>;
  /**
   * Publishes one unit's systemd state under this session's lease (overwrites).
   * @throws SessionLostError if the lease is gone.
   */
  publishUnitState(state: UnitStateInput): Promise<void>;
  /**
   * Publishes several units' states at once, in as few transactions as the op limit allows (an
   * agent that started ten units writes their states in one request, not ten).
   * @throws SessionLostError if the lease is gone.
   */
  publishUnitStates(states: readonly UnitStateInput[]): Promise<void>;
  /** Removes this machine's state for one unit. Idempotent. */
  removeUnitState(unit: string): Promise<void>;
  /**
   * Revokes the lease: the machine and its unit states disappear at once. Revokes even after the
   * session was lost locally, unless etcd is known to have dropped the lease; retried, and a lease
   * already gone counts as revoked. Rejects if etcd could not be told (call again). Idempotent.
   */
  close(): Promise<void>;
  /**
   * Stops renewing the lease without revoking it: the machine and its unit states expire after
   * the TTL, as if the process had died (an agent stopping without draining). Idempotent.
   */
  release(): void;
  /**
   * Hands the machine over to the next fleetd of this host (an in-place restart): moves the
   * machine record and the unit states this session published, unchanged, to a new lease of
   * `ttlSeconds` that nobody renews, then ends this session and revokes its lease. The machine
   * never disappears: the successor passes the returned lease ID as `replacing` and takes it
   * over at once; if none comes, the machine expires after `ttlSeconds`, as a dead one does.
   * @throws SessionLostError if this session no longer holds the machine key.
   */
  handOver(ttlSeconds: number): Promise<string>;
}

/** Engine leadership, held through a lease; writes are fenced by {@link token}. */
export interface Leadership {
  readonly candidateId: string;
  readonly ttlSeconds: number;
  /** Pass to fenced writes. Unique per leadership term (the leader key's create revision). */
  readonly token: FencingToken;
  /**
   * Aborted when the term ends for good: resigned, registry closed, or the lease lost (etcd
   * said it is gone, or no renewal was acknowledged for 2×TTL). {@link isLeader} is then false.
   */
  readonly signal: AbortSignal;
  /**
   * Local fencing: true while the lease was renewed less than `ttlSeconds` minus a margin ago
   * (1 s, or TTL/6 under 6 s; by the send time of the renewal), so a paused or cut-off leader
   * stops acting before its lease can expire. A term whose renewals lapsed is suspended, not
   * ended: an acknowledged renewal (the lease still lives, so the leader key does) makes this
   * true again. etcd extends every lease when its own leader changes, so an etcd election
   * longer than the margin suspends the engine for a moment instead of moving it.
   */
  isLeader(): boolean;
  /** Calls `fn` whenever {@link isLeader} turns false or true again, and when the term ends. */
  onChange(fn: () => void): void;
  /**
   * Gives up leadership at once (revokes the lease), even after it ended locally, unless etcd is
   * known to have dropped the lease; retried, and a lease already gone counts as revoked. Rejects
   * if etcd could not be told. Idempotent.
   */
  resign(): Promise<void>;
}

/** A running change stream. */
export interface Watch {
  /** Stops delivering events. Idempotent. */
  close(): Promise<void>;
}
