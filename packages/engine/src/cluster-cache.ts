import type {
  Assignment,
  AssignmentEvent,
  Machine,
  MachineEvent,
  EngineStore,
  UnitEvent,
  Watch,
} from '@fleet/registry';
import type { Snapshot, SnapshotMachine, SnapshotUnit } from '@fleet/scheduler';
import { fleetRequirements, type DesiredState, type FleetRequirements } from '@fleet/unit';
import { MachineHistory } from './machine-history.js';
import type { SuspectMachines } from './suspects.js';

interface CachedUnit {
  hash: string;
  desiredState: DesiredState;
  reason: string | undefined;
}

/** What a change means to the engine. */
export type ChangeKind = 'units' | 'machines' | 'assignments';

/**
 * The engine leader's view of the cluster: one list of units, machines and assignments, then
 * watches from that revision that keep it current. Only changes that matter to scheduling call
 * `onChange` (a machine's health refresh does not). A `resync` from any watch calls `onResync`:
 * the owner throws this cache away and loads a new one.
 *
 * Assignments carry the revision of their last change, and the engine's own writes are recorded
 * at the revision their commit returned. The assignment watch may lag behind those writes (a
 * reconnect replays history, a slow stream): an event no newer than what the cache holds for its
 * key is an old echo and is ignored, so a stale `put` can never bring back an assignment the engine
 * has since moved. Deletes the engine wrote are remembered (with their revision) until the watch
 * has passed them.
 */
export class ClusterCache {
  private readonly units = new Map<string, CachedUnit>();
  /** Live machines with merged metadata, as the registry lists them. */
  private machines = new Map<string, SnapshotMachine>();
  /**
   * Set when a machine joined or metadata changed: the next snapshot lists machines again, so
   * the registry's merge of config and dynamic metadata is the only one (and joins coalesce).
   */
  private machinesStale = false;
  /** machineId -> unit -> assignment (with the revision of its last change). */
  private readonly assignments = new Map<string, Map<string, Assignment>>();
  /** `machineId/unit` -> revision of a delete the engine wrote and the watch has not passed yet. */
  private readonly deleted = new Map<string, bigint>();
  /** The latest revision the assignment watch has delivered (or the listing's). */
  private watchedRevision = 0n;
  /** Parsed requirements by unit name and hash (specifiers depend on the name). */
  private readonly requirements = new Map<string, { hash: string; req: FleetRequirements }>();
  private configMetadata = new Map<string, Readonly<Record<string, string>>>();
  private watches: Watch[] = [];
  private writeFailed = false;

  private constructor(
    private readonly registry: EngineStore,
    private readonly onChange: (kind: ChangeKind) => void,
    private readonly onResync: (reason: string) => void,
    /** Machines seen live or missing during the engine's term (shared by its caches). */
    private readonly history: MachineHistory,
    /** Machines that take no new unit while they may be dead (shared by the term's caches). */
    private readonly suspects: SuspectMachines | undefined,
  ) {}

  /** Lists everything at one go and starts the watches. */
  static async load(
    registry: EngineStore,
    onChange: (kind: ChangeKind) => void,
    onResync: (reason: string) => void,
    history: MachineHistory = new MachineHistory(),
    suspects?: SuspectMachines,
  ): Promise<ClusterCache> {
    const c = new ClusterCache(registry, onChange, onResync, history, suspects);
    const [units, machines, assignments] = await Promise.all([
      registry.listUnits(),
      registry.listMachines(),
      registry.listAssignments(),
    ]);
    for (const u of units.items) {
      c.units.set(u.name, { hash: u.hash, desiredState: u.desiredState, reason: u.reason });
      c.requirements.set(u.name, { hash: u.hash, req: fleetRequirements(u.name, u.options) });
    }
    c.setMachines(machines.items);
    for (const a of assignments.items) c.putAssignment(a);
    c.watchedRevision = BigInt(assignments.revision);
    c.watches = [
      registry.watchUnits(units.revision, (e) => c.onUnit(e)),
      registry.watchMachines(machines.revision, (e) => c.onMachine(e)),
      registry.watchAssignments(undefined, assignments.revision, (e) => c.onAssignment(e)),
    ];
    return c;
  }

  /**
   * Plain data for one planning pass. Fetches the contents of units whose hash is new, and the
   * machines if any joined or changed metadata since the last pass. Machines that hold
   * assignments but are not live: with `ghosts` (a new leader's grace), those not seen live this
   * term are ghosts (all their units stay where they are); the others are away (they keep their
   * global units) until they have been missing for `awayMs`, then gone.
   */
  async snapshot({
    ghosts = false,
    awayMs = 0,
  }: { ghosts?: boolean; awayMs?: number } = {}): Promise<Snapshot> {
    if (this.machinesStale) {
      // Cleared before the listing, so that a change during it marks the machines stale again;
      // set again if the listing fails, so that the change is not forgotten until the resync.
      this.machinesStale = false;
      let listed: readonly Machine[];
      try {
        listed = (await this.registry.listMachines()).items;
      } catch (err) {
        this.machinesStale = true;
        throw err;
      }
      this.setMachines(listed);
    }
    for (const [key, rev] of this.deleted)
      if (rev <= this.watchedRevision) this.deleted.delete(key);
    // Contents of units seen for the first time are read together, in batched requests: one by
    // one, 10,000 new units cost 10,000 round trips in a row.
    const stale = [...this.units].filter(
      ([name, u]) => this.requirements.get(name)?.hash !== u.hash,
    );
    if (stale.length > 0) {
      const contents = await this.registry.getContentsMany(stale.map(([, u]) => u.hash));
      for (const [name, u] of stale) {
        const options = contents.get(u.hash);
        if (options !== undefined)
          this.requirements.set(name, { hash: u.hash, req: fleetRequirements(name, options) });
      }
    }
    const units: SnapshotUnit[] = [];
    for (const [name, u] of this.units) {
      const req = this.requirements.get(name);
      // Destroyed or replaced meanwhile: the watch has said so and another pass follows.
      if (req === undefined || req.hash !== u.hash) continue;
      units.push({ name, hash: u.hash, desiredState: u.desiredState, requirements: req.req });
    }
    // A suspect keeps what it has and takes nothing new: to the planner, a ghost (see suspects.ts).
    const machines: SnapshotMachine[] = [...this.machines.values()].map((m) =>
      this.suspects?.has(m.id) === true ? { ...m, ghost: true } : m,
    );
    for (const id of this.assignments.keys()) {
      if (this.machines.has(id)) continue;
      if (ghosts && !this.history.seenLive(id)) machines.push({ id, metadata: {}, ghost: true });
      else if (this.history.missingFor(id) < awayMs)
        machines.push({ id, metadata: {}, away: true });
    }
    this.history.prune((id) => this.machines.has(id) || this.assignments.has(id));
    const assignments: Assignment[] = [];
    for (const byUnit of this.assignments.values()) assignments.push(...byUnit.values());
    return { units, machines, assignments };
  }

  /**
   * Set when an engine write failed: it may have committed all the same (a timeout after the
   * commit), and this cache would not know. The owner plans from a fresh listing instead.
   */
  get unsure(): boolean {
    return this.writeFailed;
  }

  /** Says that an engine write failed (see {@link unsure}). */
  markUnsure(): void {
    this.writeFailed = true;
  }

  /** The reason last recorded for a unit (`undefined` if none or unknown). */
  reasonOf(unit: string): string | undefined {
    return this.units.get(unit)?.reason;
  }

  /** Units whose recorded reason is set. */
  unitsWithReason(): string[] {
    return [...this.units].filter(([, u]) => u.reason !== undefined).map(([n]) => n);
  }

  /** Remembers a reason the engine wrote (reason changes are not in the unit watch). */
  setReason(unit: string, reason: string | undefined): void {
    const u = this.units.get(unit);
    if (u !== undefined) u.reason = reason;
  }

  /**
   * Records an assignment: listed, watched, or the engine's own committed write with the
   * revision its commit returned (so the next pass does not repeat it, and older echoes of the
   * key are ignored).
   */
  putAssignment(a: Assignment): void {
    let byUnit = this.assignments.get(a.machineId);
    if (byUnit === undefined) this.assignments.set(a.machineId, (byUnit = new Map()));
    byUnit.set(a.unit, a);
    this.deleted.delete(`${a.machineId}/${a.unit}`);
  }

  /** Records the engine's own committed unschedule, at the revision its commit returned. */
  deleteAssignment(machineId: string, unit: string, revision?: string): void {
    const byUnit = this.assignments.get(machineId);
    byUnit?.delete(unit);
    if (byUnit?.size === 0) this.assignments.delete(machineId);
    if (revision !== undefined) this.deleted.set(`${machineId}/${unit}`, BigInt(revision));
  }

  /** The revision the cache holds for an assignment key (present or deleted by the engine). */
  private revisionOf(machineId: string, unit: string): bigint | undefined {
    const a = this.assignments.get(machineId)?.get(unit);
    if (a !== undefined) return BigInt(a.revision);
    return this.deleted.get(`${machineId}/${unit}`);
  }

  async close(): Promise<void> {
    const ws = this.watches;
    this.watches = [];
    await Promise.all(ws.map((w) => w.close()));
  }

  private onUnit(e: UnitEvent): void {
    if (e.type === 'resync') return this.onResync(e.reason);
    if (e.type === 'delete') {
      this.units.delete(e.name);
      this.requirements.delete(e.name);
    } else {
      const old = this.units.get(e.unit.name);
      if (old !== undefined && old.hash === e.unit.hash && old.desiredState === e.unit.desiredState)
        return;
      this.units.set(e.unit.name, {
        hash: e.unit.hash,
        desiredState: e.unit.desiredState,
        reason: old?.reason,
      });
    }
    this.onChange('units');
  }

  private onMachine(e: MachineEvent): void {
    if (e.type === 'resync') return this.onResync(e.reason);
    if (e.type !== 'metadata') this.suspects?.seen(e.type === 'put' ? e.machine.id : e.machineId);
    if (e.type === 'delete') {
      if (!this.machines.delete(e.machineId)) return;
    } else if (e.type === 'put' && this.machines.has(e.machine.id)) {
      this.history.live(e.machine.id, e.machine.ttlSeconds);
      // A health or IP refresh of a known machine does not change scheduling; new metadata does.
      if (sameMetadata(this.configMetadata.get(e.machine.id) ?? {}, e.machine.metadata)) return;
      this.machinesStale = true;
    } else {
      if (e.type === 'put') this.history.live(e.machine.id, e.machine.ttlSeconds);
      this.machinesStale = true;
    }
    this.onChange('machines');
  }

  private setMachines(list: readonly Machine[]): void {
    this.machines = new Map(list.map((m) => [m.id, { id: m.id, metadata: m.metadata }]));
    for (const m of list) this.history.live(m.id, m.ttlSeconds);
    this.suspects?.listed(list);
    this.configMetadata = new Map(list.map((m) => [m.id, m.configMetadata]));
  }

  private onAssignment(e: AssignmentEvent): void {
    if (e.type === 'resync') return this.onResync(e.reason);
    const rev = BigInt(e.revision);
    if (rev > this.watchedRevision) this.watchedRevision = rev;
    const [machineId, unit] =
      e.type === 'delete' ? [e.machineId, e.unit] : [e.assignment.machineId, e.assignment.unit];
    const known = this.revisionOf(machineId, unit);
    if (known !== undefined && rev <= known) return; // an old echo: the cache holds newer
    if (e.type === 'delete') {
      if (this.assignments.get(e.machineId)?.has(e.unit) !== true) return;
      this.deleteAssignment(e.machineId, e.unit);
    } else {
      const old = this.assignments.get(e.assignment.machineId)?.get(e.assignment.unit);
      this.putAssignment(e.assignment);
      if (
        old !== undefined &&
        old.hash === e.assignment.hash &&
        old.desiredState === e.assignment.desiredState
      ) {
        return; // our own write coming back
      }
    }
    this.onChange('assignments');
  }
}

function sameMetadata(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
