// The Registry implemented once, over the Kv port. EtcdRegistry and InMemoryRegistry differ
// only in the Kv they give it, so they cannot drift apart in behaviour.
import type { DesiredState, UnitOption } from '@fleet/unit';
import { Core, DEFAULT_LIMITS } from './core/core.js';
import { applyAssignments, listAssignments, setUnitReason } from './core/assignments.js';
import { campaign, getLeader, type LeadershipHandle } from './core/leadership.js';
import { listMachines, listUnitStates, setMachineMetadata } from './core/machines.js';
import { getPlacement } from './core/placement.js';
import { registerMachine, type Session } from './core/session.js';
import {
  createUnit,
  destroyUnit,
  getContents,
  getContentsMany,
  getUnit,
  listUnits,
  replaceUnit,
  setDesiredState,
} from './core/units.js';
import { applyUnits } from './core/apply.js';
import { unitEpoch } from './core/epoch.js';
import { watchAssignments, watchLeader, watchMachines, watchUnits } from './core/watches.js';
import { revertUnits } from './core/rollout-revert.js';
import { watchRollouts } from './core/rollout-watch.js';
import {
  finishRollout,
  getRollout,
  listRollouts,
  putRollout,
  setRolloutState,
} from './core/rollouts.js';
import { appendEvents, listEvents, trimEvents, watchEvents } from './core/events.js';
import * as maintenance from './core/maintenance.js';
import { listMachineAdmin, setMachineAdmin, watchMachineAdmin } from './core/machine-admin.js';
import { ClosedError } from './errors.js';
import type { MachineAdmin, MachineAdminEvent, MachineAdminInput } from './machine-admin-types.js';
import type {
  ClusterEvent,
  EventInput,
  EventRetention,
  EventWatchEvent,
  ListEventsOptions,
} from './event-types.js';
import { Keys } from './keys.js';
import { holdUntilClosed, holdWhileLive } from './tracked.js';
import type { Kv } from './kv/kv.js';
import { staleReadsOf } from './kv/stale-reads.js';
import type { Leadership, MachineSession, RegisterOptions, Registry, Watch } from './registry.js';
import type {
  ApplyResult,
  Assignment,
  AssignmentEvent,
  AssignmentOp,
  LeaderEvent,
  LeaderInfo,
  Listing,
  Machine,
  MachineEvent,
  MachineRecord,
  MetadataChange,
  RegistryIssue,
  ResyncEvent,
  Unit,
  UnitEvent,
  UnitApply,
  UnitApplyResult,
  UnitHead,
  UnitInput,
  UnitState,
} from './types.js';
import type {
  Rollout,
  RolloutEvent,
  RolloutInput,
  RolloutRecords,
  UnitRevert,
} from './rollout-types.js';

/** Options shared by both registries. */
export interface RegistryOptions {
  /** Key prefix (default fleet's `/_coreos.com/fleet/`). */
  readonly prefix?: string;
  /**
   * The store's request size limit in bytes (etcd's `--max-request-bytes`, default 1.5 MiB).
   * Units whose stored form would not fit are refused before anything is written.
   */
  readonly maxRequestBytes?: number;
  /** Ops per batched transaction (default 100; etcd's `--max-txn-ops` default is 128). */
  readonly maxOpsPerTxn?: number;
  /** Keys per page of a listing (default 1,000). */
  readonly pageSize?: number;
  /** Receives what reads skipped (corrupt records) and what watches recovered from. */
  readonly report?: (issue: RegistryIssue) => void;
}

/** A Registry over any Kv. */
export class KvRegistry implements Registry {
  protected readonly core: Core;
  private readonly watches = new Set<Watch>();
  private readonly handles = new Set<Session | LeadershipHandle>();
  private closed = false;

  constructor(
    kv: Kv,
    private readonly opts: RegistryOptions = {},
  ) {
    this.core = new Core(
      kv,
      new Keys(opts.prefix),
      {
        ...DEFAULT_LIMITS,
        ...(opts.maxRequestBytes === undefined ? {} : { maxRequestBytes: opts.maxRequestBytes }),
        ...(opts.maxOpsPerTxn === undefined ? {} : { maxOpsPerTxn: opts.maxOpsPerTxn }),
        ...(opts.pageSize === undefined ? {} : { pageSize: opts.pageSize }),
      },
      opts.report ?? (() => {}),
    );
  }

  /**
   * This registry for the API: a read that fails transiently (etcd electing its leader) is
   * answered from a reachable member's own copy, possibly a little behind; writes are unchanged.
   * Shares this registry's connection; closing the view closes nothing.
   */
  withStaleReads(): Registry {
    return new KvRegistry(staleReadsOf(this.core.kv), this.opts);
  }

  private open(): Core {
    if (this.closed) throw new ClosedError('the registry is closed');
    return this.core;
  }

  private track<T extends Session | LeadershipHandle>(h: T): T {
    holdWhileLive<Session | LeadershipHandle>(this.handles, h, h.signal);
    return h;
  }

  private trackWatch(w: Watch): Watch {
    return holdUntilClosed(this.watches, w);
  }

  async createUnit(input: UnitInput): Promise<UnitHead> {
    return createUnit(this.open(), input);
  }
  async replaceUnit(input: UnitInput): Promise<UnitHead> {
    return replaceUnit(this.open(), input);
  }
  async setDesiredState(name: string, state: DesiredState): Promise<UnitHead> {
    return setDesiredState(this.open(), name, state);
  }
  async destroyUnit(name: string): Promise<boolean> {
    return destroyUnit(this.open(), name);
  }
  async unitEpoch(): Promise<string> {
    return unitEpoch(this.open());
  }
  async applyUnits(req: UnitApply): Promise<UnitApplyResult> {
    return applyUnits(this.open(), req);
  }
  async getUnit(name: string): Promise<Unit | undefined> {
    return getUnit(this.open(), name);
  }
  async listUnits(): Promise<Listing<Unit>> {
    return listUnits(this.open());
  }
  async getContents(hash: string): Promise<readonly UnitOption[] | undefined> {
    return getContents(this.open(), hash);
  }
  async getContentsMany(
    hashes: readonly string[],
  ): Promise<ReadonlyMap<string, readonly UnitOption[]>> {
    return getContentsMany(this.open(), hashes);
  }
  async setUnitReason(token: string, name: string, reason: string | null): Promise<boolean> {
    return setUnitReason(this.open(), token, name, reason);
  }
  async applyAssignments(token: string, ops: readonly AssignmentOp[]): Promise<ApplyResult> {
    return applyAssignments(this.open(), token, ops);
  }
  async listAssignments(machineId?: string): Promise<Listing<Assignment>> {
    return listAssignments(this.open(), machineId);
  }
  async getPlacement(name: string): Promise<Listing<Assignment>> {
    return getPlacement(this.open(), name);
  }
  async registerMachine(
    record: MachineRecord,
    ttlSeconds: number,
    opts?: RegisterOptions,
  ): Promise<MachineSession> {
    return this.track(await registerMachine(this.open(), record, ttlSeconds, opts));
  }
  async listMachines(): Promise<Listing<Machine>> {
    return listMachines(this.open());
  }
  async setMachineMetadata(changes: readonly MetadataChange[]): Promise<void> {
    return setMachineMetadata(this.open(), changes);
  }
  async listUnitStates(filter?: {
    readonly machineId?: string;
    readonly unitName?: string;
  }): Promise<Listing<UnitState>> {
    return listUnitStates(this.open(), filter);
  }
  async campaign(candidateId: string, ttlSeconds: number): Promise<Leadership | undefined> {
    const h = await campaign(this.open(), candidateId, ttlSeconds);
    return h === undefined ? undefined : this.track(h);
  }
  async getLeader(): Promise<LeaderInfo | undefined> {
    return getLeader(this.open());
  }
  watchUnits(afterRevision: string, onEvent: (e: UnitEvent) => void): Watch {
    return this.trackWatch(watchUnits(this.open(), afterRevision, onEvent));
  }
  watchAssignments(
    machineId: string | undefined,
    afterRevision: string,
    onEvent: (e: AssignmentEvent) => void,
  ): Watch {
    return this.trackWatch(watchAssignments(this.open(), machineId, afterRevision, onEvent));
  }
  watchLeader(onEvent: (e: LeaderEvent | ResyncEvent) => void): Watch {
    return this.trackWatch(watchLeader(this.open(), onEvent));
  }
  watchMachines(afterRevision: string, onEvent: (e: MachineEvent) => void): Watch {
    return this.trackWatch(watchMachines(this.open(), afterRevision, onEvent));
  }
  async listRollouts(): Promise<Listing<Rollout>> {
    return listRollouts(this.open());
  }
  async getRollout(group: string): Promise<RolloutRecords> {
    return getRollout(this.open(), group);
  }
  async putRollout(token: string, record: RolloutInput, expectRevision?: string): Promise<Rollout> {
    return putRollout(this.open(), token, record, expectRevision);
  }
  async finishRollout(token: string, group: string): Promise<Rollout | undefined> {
    return finishRollout(this.open(), token, group);
  }
  async revertUnits(token: string, changes: readonly UnitRevert[]): Promise<UnitHead[]> {
    return revertUnits(this.open(), token, changes);
  }
  async setRolloutState(
    group: string,
    state: 'paused' | 'running',
    reason?: string,
  ): Promise<Rollout> {
    return setRolloutState(this.open(), group, state, reason);
  }
  watchRollouts(afterRevision: string, onEvent: (e: RolloutEvent) => void): Watch {
    return this.trackWatch(watchRollouts(this.open(), afterRevision, onEvent));
  }
  async setMachineAdmin(
    machineId: string,
    record: MachineAdminInput | null,
  ): Promise<MachineAdmin | undefined> {
    return setMachineAdmin(this.open(), machineId, record);
  }
  async listMachineAdmin(): Promise<Listing<MachineAdmin>> {
    return listMachineAdmin(this.open());
  }
  watchMachineAdmin(afterRevision: string, onEvent: (e: MachineAdminEvent) => void): Watch {
    return this.trackWatch(watchMachineAdmin(this.open(), afterRevision, onEvent));
  }
  async appendEvents(events: readonly EventInput[]): Promise<void> {
    return appendEvents(this.open(), events);
  }
  async listEvents(opts?: ListEventsOptions): Promise<Listing<ClusterEvent>> {
    return listEvents(this.open(), opts);
  }
  watchEvents(afterRevision: string, onEvent: (e: EventWatchEvent) => void): Watch {
    return this.trackWatch(watchEvents(this.open(), afterRevision, onEvent));
  }
  async trimEvents(retention: EventRetention): Promise<number> {
    return trimEvents(this.open(), retention);
  }

  async getMaintenance(): ReturnType<Registry['getMaintenance']> {
    return maintenance.getMaintenance(this.open());
  }
  async enterMaintenance(id: string, reason?: string): ReturnType<Registry['enterMaintenance']> {
    return maintenance.enterMaintenance(this.open(), id, reason);
  }
  async exitMaintenance(machineId: string): ReturnType<Registry['exitMaintenance']> {
    return maintenance.exitMaintenance(this.open(), machineId);
  }
  async setMaintenanceLimit(limit: number): ReturnType<Registry['setMaintenanceLimit']> {
    return maintenance.setMaintenanceLimit(this.open(), limit);
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.watches].map((w) => w.close()));
    for (const h of this.handles) h.detach();
    this.handles.clear();
    await this.core.kv.close();
  }
}
