import type {
  Assignment,
  AssignmentEvent,
  Machine,
  MachineEvent,
  EngineStore,
  ResyncEvent,
  UnitEvent,
  Watch,
} from '@fleet/registry';
import type { Clock } from '@fleet/runtime';
import type { Snapshot, SnapshotMachine, SnapshotUnit } from '@fleet/scheduler';
import { AssignmentCache } from './assignment-cache.js';
import { CachedUnits, type CachedUnit } from './cached-units.js';
import { withAdmin, type AdminLookup } from './drain.js';
import { ListingGate } from './listing-gate.js';
import { MachineHistory } from './machine-history.js';
import { passMachines } from './pass-machines.js';
import type { SuspectMachines } from './suspects.js';

/** What a change means to the engine. */
export type ChangeKind = 'units' | 'machines' | 'assignments';

/**
 * The engine leader's view of the cluster: one list of units, machines and assignments, then
 * watches from that revision that keep it current; `relist` reads it all again under the same
 * watches. Only changes that matter to scheduling call `onChange` (a machine's health refresh does
 * not). A `resync` from any watch calls `onResync`: the owner throws this cache away and loads a
 * new one. The engine's own writes are recorded at the revision their commit returned, and a
 * lagging watch's older echoes of them are ignored (see AssignmentCache).
 */
export class ClusterCache {
  /** Units, their requirements and reasons, and which changed since the last snapshot. */
  private readonly units = new CachedUnits();
  /** Live machines with merged metadata, as the registry lists them. */
  private machines = new Map<string, SnapshotMachine>();
  /** A machine joined or metadata changed: list machines again at the next snapshot. */
  private machinesStale = false;
  /** Assignments with their revisions, and the engine's own deletes until watched. */
  private readonly assignments = new AssignmentCache();
  private configMetadata = new Map<string, Readonly<Record<string, string>>>();
  private watches: Watch[] = [];
  private writeFailed = false;
  /** When the first change since the last snapshot was seen (history's clock), if any. */
  private changedAt: number | undefined;
  private readonly unitGate = new ListingGate<Exclude<UnitEvent, ResyncEvent>>((e) =>
    this.onUnit(e),
  );
  private readonly machineGate = new ListingGate<Exclude<MachineEvent, ResyncEvent>>((e) =>
    this.onMachine(e),
  );
  private readonly assignmentGate = new ListingGate<Exclude<AssignmentEvent, ResyncEvent>>((e) =>
    this.onAssignment(e),
  );

  private constructor(
    private readonly registry: EngineStore,
    /** Told each change, and how many units changed since the last snapshot if nothing else did. */
    private readonly onChange: (kind: ChangeKind, units: number | undefined) => void,
    private readonly onResync: (reason: string) => void,
    /** Machines seen live or missing during the engine's term (shared by its caches). */
    private readonly history: MachineHistory,
    /** Machines that take no new unit while they may be dead (shared by the term's caches). */
    private readonly suspects: SuspectMachines | undefined,
    private readonly adminOf: AdminLookup, // cordoned and draining machines (drain.ts)
  ) {}

  /** Lists everything at one go and starts the watches. */
  static async load(
    registry: EngineStore,
    onChange: (kind: ChangeKind, units: number | undefined) => void,
    onResync: (reason: string) => void,
    history: MachineHistory = new MachineHistory(),
    suspects?: SuspectMachines,
    adminOf: AdminLookup = () => undefined,
  ): Promise<ClusterCache> {
    const c = new ClusterCache(registry, onChange, onResync, history, suspects, adminOf);
    const [units, machines, assignments] = await c.list();
    c.watches = [
      registry.watchUnits(units, (e) =>
        e.type === 'resync' ? c.resync(e) : c.unitGate.deliver(e),
      ),
      registry.watchMachines(machines, (e) =>
        e.type === 'resync' ? c.resync(e) : c.machineGate.deliver(e),
      ),
      registry.watchAssignments(undefined, assignments, (e) =>
        e.type === 'resync' ? c.resync(e) : c.assignmentGate.deliver(e),
      ),
    ];
    return c;
  }

  /**
   * Lists everything again under the open watches (the periodic resync): the listing replaces the
   * cached units, machines and assignments, and watch events it already holds are dropped (see
   * {@link ListingGate}). No watch is closed or opened. If a listing fails, the cache stands.
   */
  async relist(): Promise<void> {
    const gates = [this.unitGate, this.machineGate, this.assignmentGate] as const;
    for (const g of gates) g.hold();
    let revisions: [string, string, string];
    try {
      revisions = await this.list();
    } catch (err) {
      for (const g of gates) g.release();
      throw err;
    }
    revisions.forEach((rev, i) => gates[i]?.listed(rev));
  }

  /** Reads the three listings and replaces the cached state with them; returns their revisions. */
  private async list(): Promise<[string, string, string]> {
    const [units, machines, assignments] = await Promise.all([
      this.registry.listUnits(),
      this.registry.listMachines(),
      this.registry.listAssignments(),
    ]);
    this.units.replace(units.items);
    this.setMachines(machines.items);
    this.machinesStale = false;
    this.assignments.replace(assignments.items, assignments.revision);
    return [units.revision, machines.revision, assignments.revision];
  }

  /**
   * Plain data for one planning pass. Fetches the contents of units whose hash is new, and the
   * machines if any joined or changed metadata since the last pass (see passMachines for
   * machines that hold assignments but are not live).
   */
  async snapshot({
    ghosts = false,
    awayMs = 0,
  }: { ghosts?: boolean; awayMs?: number } = {}): Promise<Snapshot> {
    if (this.machinesStale) {
      // Cleared first (a change during the listing marks them stale again), set again if it fails.
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
    this.assignments.pruneDeleted();
    const units = await this.units.all(this.registry);
    const machines = this.machineList(ghosts, awayMs);
    return { units, machines, assignments: this.assignments.all() };
  }

  /** Like {@link snapshot}: the machines and the changed units only, if nothing else changed. */
  async changes({
    ghosts = false,
    awayMs = 0,
  }: { ghosts?: boolean; awayMs?: number } = {}): Promise<
    { machines: SnapshotMachine[]; units: SnapshotUnit[] } | undefined
  > {
    if (this.machinesStale || this.writeFailed) return undefined;
    const units = await this.units.changed(this.registry);
    if (units === undefined) return undefined;
    this.assignments.pruneDeleted();
    return { machines: this.machineList(ghosts, awayMs), units };
  }

  private machineList(ghosts: boolean, awayMs: number): SnapshotMachine[] {
    const holders = [...this.assignments.machineIds()];
    const out = passMachines(this.machines, holders, this.history, this.suspects, {
      ghosts,
      awayMs,
    });
    this.history.prune((id) => this.machines.has(id) || this.assignments.holds(id));
    return withAdmin(out, this.adminOf);
  }

  /** The clock of the term (its machine history's): what passes are timed on. */
  get clock(): Pick<Clock, 'monotonic'> {
    return this.history.clock;
  }

  /** Set when an engine write failed (it may have committed): plan from a fresh listing. */
  get unsure(): boolean {
    return this.writeFailed;
  }

  /** Says that an engine write failed (see {@link unsure}). */
  markUnsure(): void {
    this.writeFailed = true;
    this.units.delta.all();
  }

  /** Unit heads by name, and every assignment held: what the rollouts read their groups from. */
  rolloutView(): { units: ReadonlyMap<string, Readonly<CachedUnit>>; assignments: Assignment[] } {
    return { units: this.units.heads(), assignments: this.assignments.all() };
  }
  /** Plans these units again next pass, as if changed: a rollout released or put back copies. */
  touchUnits(names: Iterable<string>): void {
    for (const n of names) this.units.delta.unit(n);
    this.changed('units');
  }

  /** Plans all again next pass, machines read again: a cordon, or a drain's step. */
  replan(): void {
    this.machinesStale = true;
    this.units.delta.all();
    this.changed('machines');
  }
  /** The reason last recorded for a unit (`undefined` if none or unknown). */
  reasonOf(unit: string): string | undefined {
    return this.units.reasonOf(unit);
  }

  /** Units whose recorded reason is set. */
  unitsWithReason(): string[] {
    return this.units.withReason();
  }

  /** Remembers a reason the engine wrote (reason changes are not in the unit watch). */
  setReason(unit: string, reason: string | undefined): void {
    this.units.setReason(unit, reason);
  }

  /**
   * Records an assignment: listed, watched, or the engine's own committed write with the revision
   * its commit returned (so the next pass does not repeat it; older echoes of the key are ignored).
   */
  putAssignment(a: Assignment): void {
    this.assignments.put(a);
  }

  /** Records the engine's own committed unschedule, at the revision its commit returned. */
  deleteAssignment(machineId: string, unit: string, revision?: string): void {
    this.assignments.delete(machineId, unit, revision);
  }

  async close(): Promise<void> {
    const ws = this.watches;
    this.watches = [];
    await Promise.all(ws.map((w) => w.close()));
  }

  private resync(e: ResyncEvent): void {
    this.onResync(e.reason);
  }

  private onUnit(e: Exclude<UnitEvent, ResyncEvent>): void {
    if (this.units.event(e)) this.changed('units');
  }

  private onMachine(e: Exclude<MachineEvent, ResyncEvent>): void {
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
    this.units.delta.all();
    this.changed('machines');
  }

  private setMachines(list: readonly Machine[]): void {
    this.machines = new Map(list.map((m) => [m.id, { id: m.id, metadata: m.metadata }]));
    for (const m of list) this.history.live(m.id, m.ttlSeconds);
    this.suspects?.listed(list);
    this.configMetadata = new Map(list.map((m) => [m.id, m.configMetadata]));
  }

  private onAssignment(e: Exclude<AssignmentEvent, ResyncEvent>): void {
    if (this.assignments.event(e)) {
      this.units.delta.all();
      this.changed('assignments');
    }
  }

  private changed(kind: ChangeKind): void {
    this.changedAt ??= this.history.clock.monotonic();
    this.onChange(kind, this.units.delta.size);
  }

  /** When the first change since the last snapshot was seen (history's clock), forgotten. */
  takeChangedAt(): number | undefined {
    const at = this.changedAt;
    this.changedAt = undefined;
    return at;
  }
}

function sameMetadata(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
