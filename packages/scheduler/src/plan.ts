import type { GlobCache } from './globs.js';
import {
  ClusterState,
  conflictsWith,
  replaceEachOther,
  replaces,
  type GlobMatcher,
} from './cluster.js';
import {
  GLOBAL_FILTERS,
  UNIT_FILTERS,
  check,
  machineIdFilter,
  metadataFilter,
  summarize,
  type Rejection,
} from './filters.js';
import { Reason } from './reasons.js';
import type { Assignment, Plan, SchedUnit, Snapshot, Task, Waiting } from './types.js';

type Unschedule = Extract<Task, { kind: 'unschedule' }>;
type Schedule = Extract<Task, { kind: 'schedule' }>;
type Update = Extract<Task, { kind: 'update' }>;

const byName = <T extends { name: string }>(a: T, b: T) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const active = (u: SchedUnit) => u.desiredState !== 'inactive';
const key = (unit: string, machineId: string) => `${unit}\u0000${machineId}`;

/** Options of {@link planCluster}. */
export interface PlanOptions {
  /**
   * Compiled globs and match answers to reuse, and where matching work is counted. A caller that
   * plans repeatedly (the engine) keeps one, so a unit's globs are not weighed against the same
   * names again every pass. It changes how fast the plan comes, never the plan.
   */
  readonly globs?: GlobCache;
  /**
   * How many unit names the scans of a `Conflicts=` glob read before the glob is indexed (see
   * `ClusterState.runsMatching`); by default as many as the snapshot has units. Like `globs`, it
   * changes how fast the plan comes, never the plan: tests set 0 (index at once, as before) and
   * `Infinity` (never index) to check just that.
   */
  readonly indexGlobsAfter?: number;
}

/**
 * Computes the tasks that move the cluster from the snapshot's assignments to its desired state.
 * Pure and deterministic: the same snapshot gives the same plan; planning again on the result of
 * applying the plan gives no tasks. Existing valid assignments are kept (no rebalancing).
 */
export function planCluster(snapshot: Snapshot, options: PlanOptions = {}): Plan {
  const units = new Map<string, SchedUnit>();
  for (const u of [...snapshot.units].sort(byName)) units.set(u.name, u);
  const state = new ClusterState(
    snapshot.machines,
    units,
    options.globs,
    options.indexGlobsAfter ?? units.size,
  );
  const p = new Planner(state, units);
  p.keepValid(snapshot.assignments);
  p.placeGlobal();
  p.placeUnits();
  return p.result();
}

class Planner {
  private readonly unschedules: Unschedule[] = [];
  private readonly updates: Update[] = [];
  private readonly schedules: Schedule[] = [];
  private readonly waiting = new Map<string, string>();
  /** Assignments kept from the snapshot: unit -> machine -> assignment. */
  private readonly kept = new Map<string, Map<string, Assignment>>();
  /** Assignments unscheduled so far this pass, by {@link key}: a later schedule there keeps them. */
  private readonly dropped = new Map<string, Assignment>();

  /** The pass's memoised glob matcher. */
  private readonly m: GlobMatcher;

  constructor(
    private readonly state: ClusterState,
    private readonly units: ReadonlyMap<string, SchedUnit>,
  ) {
    this.m = state.match;
  }

  /** Phase 1: drop assignments that are no longer valid, keep the rest where they are. */
  keepValid(assignments: readonly Assignment[]): void {
    const sorted = [...assignments].sort(
      (a, b) => cmp(a.unit, b.unit) || cmp(a.machineId, b.machineId),
    );
    const candidates: Assignment[] = [];
    const seen = new Set<string>();
    for (const a of sorted) {
      const u = this.units.get(a.unit);
      const drop = (reason: string) => this.unschedule(a, reason);
      if (u === undefined) drop(Reason.unitDestroyed);
      else if (!active(u)) drop(Reason.targetInactive);
      else if (!this.state.slots.has(a.machineId)) drop(Reason.machineGone(a.machineId));
      else if (!u.requirements.global && this.state.away(a.machineId))
        drop(Reason.machineGone(a.machineId));
      else if (!u.requirements.global && seen.has(a.unit)) drop(Reason.duplicate);
      else {
        // A ghost's (or an away machine's) metadata is unknown: only its ID is checked.
        const ghost = !this.state.accepting(a.machineId);
        const filters = ghost ? [machineIdFilter] : [machineIdFilter, metadataFilter];
        const r = check(filters, u, a.machineId, this.state);
        if (r !== undefined) drop(Reason.cannotRun(a.machineId, r.one));
        else {
          seen.add(a.unit);
          candidates.push(a);
        }
      }
    }
    // Conflicts and Replaces among the survivors: accept in unit-name order.
    for (const a of candidates) {
      const u = this.units.get(a.unit);
      if (u === undefined) continue;
      const reason = this.clash(u, a.machineId);
      if (reason !== undefined) {
        this.unschedule(a, reason);
        continue;
      }
      this.state.place(u, a.machineId);
      let m = this.kept.get(a.unit);
      if (m === undefined) this.kept.set(a.unit, (m = new Map()));
      m.set(a.machineId, a);
    }
    // MachineOf: a follower whose peer is not on its machine leaves it (it moves with the peer).
    for (let changed = true; changed;) {
      changed = false;
      for (const [name, machines] of this.kept) {
        const u = this.units.get(name);
        if (u === undefined || u.requirements.global) continue;
        for (const [machineId, a] of machines) {
          const peer = u.requirements.machineOf.find(
            (p) => !this.state.machinesOf(p).has(machineId),
          );
          if (peer === undefined) continue;
          this.state.remove(name, machineId);
          machines.delete(machineId);
          this.unschedule(a, Reason.peerMoved(peer, machineId));
          changed = true;
        }
      }
    }
    for (const [name, machines] of this.kept) {
      const u = this.units.get(name);
      if (u === undefined) continue;
      for (const a of machines.values()) this.refresh(a, u);
    }
  }

  /** Brings a kept assignment to the unit's current contents and target state, if they changed. */
  private refresh(a: Assignment, u: SchedUnit): void {
    if (a.hash !== u.hash) this.update(a, u, Reason.contentChanged);
    else if (a.desiredState !== u.desiredState) {
      this.update(a, u, Reason.stateChanged(a.desiredState, u.desiredState));
    }
  }

  /**
   * Why a kept assignment of `u` on `machineId` cannot stay next to the units already accepted
   * there, or elsewhere for a circular Replaces pair. A unit that replaces one already accepted
   * takes its place.
   */
  private clash(u: SchedUnit, machineId: string): string | undefined {
    const slot = this.state.slots.get(machineId);
    if (slot === undefined) return undefined;
    for (const other of [...slot.units].sort()) {
      const o = this.units.get(other);
      if (o === undefined) continue;
      if (conflictsWith(u, o, this.m)) return Reason.conflictsOn(other, machineId);
      if (replaceEachOther(u, o, this.m)) return Reason.replaceEachOther(other);
      if (replaces(o, u, this.m)) return Reason.replacedBy(other);
      if (replaces(u, o, this.m)) {
        this.state.remove(other, machineId);
        const a = this.kept.get(other)?.get(machineId);
        this.kept.get(other)?.delete(machineId);
        if (a !== undefined) this.unschedule(a, Reason.replacedBy(u.name));
      }
    }
    const rival = this.circularRival(u);
    return rival === undefined ? undefined : Reason.replaceEachOther(rival);
  }

  /** A placed unit that forms a circular Replaces pair with `u`, if any. */
  private circularRival(u: SchedUnit): string | undefined {
    if (u.requirements.replaces.length === 0) return undefined;
    for (const [name] of this.state.placed) {
      const o = this.units.get(name);
      // Only a unit with Replaces= of its own can replace u back: skip the rest unmatched.
      if (o === undefined || o.requirements.replaces.length === 0) continue;
      if (replaceEachOther(u, o, this.m)) return name;
    }
    return undefined;
  }

  /** Phase 2: every global unit on every eligible machine. */
  placeGlobal(): void {
    for (const u of this.units.values()) {
      if (!u.requirements.global || !active(u)) continue;
      const missing: string[] = [];
      for (const machineId of [...this.state.slots.keys()].sort()) {
        if (this.state.machinesOf(u.name).has(machineId) || !this.state.accepting(machineId))
          continue;
        const r = check(GLOBAL_FILTERS, u, machineId, this.state);
        if (r === undefined) {
          this.state.place(u, machineId);
          this.schedule(u, machineId, Reason.global(u.desiredState));
        } else if (metadataFilter(u, machineId, this.state) === undefined) {
          // Eligible by its metadata, yet refused: say so. (Machines it does not select are not missing.)
          missing.push(`${machineId.slice(0, 8)}... ${r.one}`);
        }
      }
      if (missing.length > 0) this.waiting.set(u.name, Reason.globalMissing(missing));
    }
  }

  /** Phase 3: every unscheduled non-global unit that wants to run, peers before followers. */
  placeUnits(): void {
    let pending = [...this.units.values()].filter(
      (u) => !u.requirements.global && active(u) && this.state.machinesOf(u.name).size === 0,
    );
    const limit = pending.length * 2 + 2;
    for (let round = 0; pending.length > 0 && round < limit; round++) {
      const next: SchedUnit[] = [];
      let progress = false;
      for (const u of pending) {
        const displaced = this.tryPlace(u);
        if (displaced === undefined) next.push(u);
        else {
          progress = true;
          next.push(...displaced);
        }
      }
      pending = next.sort(byName);
      if (!progress) break;
    }
  }

  /** Places `u` if it can; returns the units it displaced (Replaces), or `undefined` if it waits. */
  private tryPlace(u: SchedUnit): SchedUnit[] | undefined {
    const wait = (reason: string) => {
      this.waiting.set(u.name, reason);
      return undefined;
    };
    const rival = this.circularRival(u);
    if (rival !== undefined) return wait(Reason.replaceEachOther(rival));
    const peers = u.requirements.machineOf;
    let candidates: Iterable<string>;
    if (peers.length > 0) {
      // Followers go where all their peers are (a global peer is everywhere).
      let homes: Set<string> | undefined;
      for (const peer of peers) {
        if (!this.units.has(peer)) return wait(Reason.peerMissing(peer));
        const at = this.state.machinesOf(peer);
        if (at.size === 0) return wait(Reason.peerUnscheduled(peer));
        homes = homes === undefined ? new Set(at) : new Set([...homes].filter((m) => at.has(m)));
      }
      if (homes === undefined || homes.size === 0) return wait(Reason.peersApart(peers));
      for (const h of homes) if (!this.state.accepting(h)) homes.delete(h);
      if (homes.size === 0) return wait(Reason.peerHostAway(peers));
      candidates = [...homes].sort((a, b) => this.state.load(a) - this.state.load(b) || cmp(a, b));
    } else {
      // Replaces: prefer the machines of the replaced units, then every machine, least loaded first.
      candidates = preferThenRest(this.replaceTargets(u), this.state.leastLoaded());
    }
    const rejections: Rejection[] = [];
    let firstRejected = '';
    for (const machineId of candidates) {
      const r = check(UNIT_FILTERS, u, machineId, this.state);
      if (r !== undefined) {
        if (rejections.length === 0) firstRejected = machineId;
        rejections.push(r);
        continue;
      }
      const displaced = this.displace(u, machineId);
      this.state.place(u, machineId);
      this.waiting.delete(u.name);
      const replaced = displaced.map((d) => d.name);
      this.schedule(
        u,
        machineId,
        replaced.length > 0
          ? Reason.scheduledReplacing(u.desiredState, replaced.join(', '))
          : Reason.scheduled(u.desiredState),
      );
      return displaced;
    }
    const first = rejections[0];
    if (peers.length > 0 && first !== undefined && rejections.length === 1) {
      return wait(Reason.peerHostRefuses(firstRejected, first.one));
    }
    return wait(summarize(rejections, rejections.length));
  }

  /** Machines (least loaded first) running units that `u` replaces. */
  private replaceTargets(u: SchedUnit): string[] {
    if (u.requirements.replaces.length === 0) return [];
    const targets = new Set<string>();
    for (const [name, machines] of this.state.placed) {
      const o = this.units.get(name);
      if (o === undefined || !replaces(u, o, this.m) || replaceEachOther(u, o, this.m)) continue;
      for (const m of machines) if (this.state.accepting(m)) targets.add(m);
    }
    return [...targets].sort((a, b) => this.state.load(a) - this.state.load(b) || cmp(a, b));
  }

  /** Removes from `machineId` the units `u` replaces; they are rescheduled elsewhere. */
  private displace(u: SchedUnit, machineId: string): SchedUnit[] {
    const out: SchedUnit[] = [];
    const slot = this.state.slots.get(machineId);
    if (slot === undefined || u.requirements.replaces.length === 0) return out;
    for (const name of [...slot.units].sort()) {
      const o = this.units.get(name);
      if (o === undefined || !replaces(u, o, this.m) || replaceEachOther(u, o, this.m)) continue;
      this.state.remove(name, machineId);
      const kept = this.kept.get(name)?.get(machineId);
      this.kept.get(name)?.delete(machineId);
      if (kept !== undefined) this.unschedule(kept, Reason.replacedBy(u.name));
      else this.dropScheduled(name, machineId);
      out.push(o);
    }
    return out;
  }

  /** Cancels a schedule task made earlier in this pass. */
  private dropScheduled(unit: string, machineId: string): void {
    const i = this.schedules.findIndex((t) => t.unit === unit && t.machineId === machineId);
    if (i >= 0) this.schedules.splice(i, 1);
  }

  private unschedule(a: Assignment, reason: string): void {
    this.unschedules.push({ kind: 'unschedule', unit: a.unit, machineId: a.machineId, reason });
    this.dropped.set(key(a.unit, a.machineId), a);
    this.updatesFor(a.unit, a.machineId);
  }

  /** An unscheduled assignment needs no update. */
  private updatesFor(unit: string, machineId: string): void {
    const i = this.updates.findIndex((t) => t.unit === unit && t.machineId === machineId);
    if (i >= 0) this.updates.splice(i, 1);
  }

  private update(a: Assignment, u: SchedUnit, reason: string): void {
    this.updates.push({
      kind: 'update',
      unit: a.unit,
      machineId: a.machineId,
      hash: u.hash,
      desiredState: u.desiredState,
      reason,
    });
  }

  /**
   * Places `u` on `machineId`. If this pass unscheduled it there (a follower whose new peer lands
   * on its machine, a unit made non-global that stays on one of its machines, ...), the assignment
   * is kept instead: the unschedule is withdrawn and at most an update is planned, so the plan
   * never holds two tasks for one assignment (the registry refuses such a batch whole).
   */
  private schedule(u: SchedUnit, machineId: string, reason: string): void {
    const k = key(u.name, machineId);
    const a = this.dropped.get(k);
    if (a !== undefined) {
      this.dropped.delete(k);
      const i = this.unschedules.findIndex((t) => t.unit === u.name && t.machineId === machineId);
      if (i >= 0) this.unschedules.splice(i, 1);
      let m = this.kept.get(u.name);
      if (m === undefined) this.kept.set(u.name, (m = new Map()));
      m.set(machineId, a);
      this.refresh(a, u);
      return;
    }
    this.schedules.push({
      kind: 'schedule',
      unit: u.name,
      machineId,
      hash: u.hash,
      desiredState: u.desiredState,
      reason,
    });
  }

  result(): Plan {
    const waiting: Waiting[] = [...this.waiting.entries()]
      .sort((a, b) => cmp(a[0], b[0]))
      .map(([unit, reason]) => ({ unit, reason }));
    return { tasks: [...this.unschedules, ...this.updates, ...this.schedules], waiting };
  }
}

/** `first` in order, then the rest of `all` that is not in `first`, lazily. */
function* preferThenRest(first: readonly string[], all: Iterable<string>): Generator<string> {
  yield* first;
  if (first.length === 0) {
    yield* all;
    return;
  }
  const seen = new Set(first);
  for (const m of all) if (!seen.has(m)) yield m;
}
