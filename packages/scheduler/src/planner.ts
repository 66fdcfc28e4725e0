// The Planner: planCluster for a caller that plans again and again (the engine). It keeps the state
// the last pass led to, and when only units changed (new units, or new desired states) it plans
// those against it, in time proportional to the change, with the answer a full pass would give.
import { compareStrings } from '@fleet/unit';
import type { ClusterState } from './cluster.js';
import { byName, isActive, type PlanContext } from './plan-context.js';
import { placeGlobal, placeUnits } from './plan-place.js';
import { TaskBook } from './plan-tasks.js';
import { fullPass, type PlanOptions } from './plan.js';
import type { Plan, Snapshot, SnapshotAssignment, SnapshotMachine, SnapshotUnit } from './types.js';

/** The cluster as a committed plan left it: a full pass on it would plan nothing. */
interface Settled {
  readonly state: ClusterState;
  /** Every unit by name (the map the state reads). */
  readonly units: Map<string, SnapshotUnit>;
  /** Every assignment: unit -> machine -> assignment. */
  readonly assignments: Map<string, Map<string, SnapshotAssignment>>;
  /** The global units' names. */
  readonly globals: Set<string>;
  /** Non-global units that want to run and wait. */
  readonly waiting: Set<string>;
  /** The machines the state was planned on, as the snapshot listed them. */
  readonly machines: readonly SnapshotMachine[];
}

/** The last plan, until the caller says it was written. */
interface Pending extends Omit<Settled, 'waiting'> {
  readonly plan: Plan;
}

/**
 * Plans a cluster pass after pass. `full(snapshot)` is `planCluster`; `changes(machines, units)`
 * plans only `units` (new ones, or ones whose desired state changed) against the state the last
 * pass led to, and returns `undefined` when it cannot promise the plan a full pass would give:
 * when the last plan was not all written (`committed` not called), moved or removed anything
 * (an unschedule), the machines differ in any way, or a unit's contents changed, it became
 * inactive, or it is new yet holds an assignment. The caller then plans in full.
 *
 * Why the answer is the same: after a committed plan without unschedules, a full pass keeps
 * every assignment as it is (the planner's property test holds planning again idempotent), so
 * its first phase rebuilds this very state; its second and third phases then look at global units
 * and at units not placed, which are the ones that waited and the ones that changed. So this
 * runs those two phases over just those, on the kept state, after the updates the first phase
 * would write for the changed units. Reasons that depended on the order units were placed in now
 * name the first unit by name (circularRival, replacedByFilter), so they match too.
 *
 * Pure in the sense of the other planners: it never awaits, logs or reads the clock, and never
 * mutates its input; it keeps its own state between calls.
 */
export class Planner {
  private settled: Settled | undefined;
  private pending: Pending | undefined;

  constructor(private readonly options: PlanOptions = {}) {}

  /** Whether a pass over changed units may be tried (the last plan was committed and settled). */
  get ready(): boolean {
    return this.settled !== undefined;
  }

  /** A full pass: `planCluster(snapshot)`. */
  full(snapshot: Snapshot): Plan {
    this.settled = this.pending = undefined;
    const ctx = fullPass(snapshot, this.options);
    const plan = ctx.book.result();
    const globals = new Set<string>();
    for (const u of ctx.units.values()) if (u.requirements.global) globals.add(u.name);
    this.pending = {
      state: ctx.state,
      units: ctx.units,
      assignments: ctx.book.kept,
      globals,
      machines: snapshot.machines,
      plan,
    };
    return plan;
  }

  /**
   * The plan for `units` (new, or with a new desired state) on `machines`, or `undefined` when
   * only a full pass can say (see the class).
   */
  changes(machines: readonly SnapshotMachine[], units: readonly SnapshotUnit[]): Plan | undefined {
    const s = this.settled;
    this.pending = undefined;
    if (s === undefined || !sameMachines(s.machines, machines)) return undefined;
    // While a machine drains, its copies move pass after pass: only a full pass says where.
    if (machines.some((m) => m.admin === 'draining')) return undefined;
    for (const u of units) {
      const old = s.units.get(u.name);
      if (old !== undefined && (old.hash !== u.hash || (isActive(old) && !isActive(u))))
        return undefined;
      const held = s.assignments.get(u.name)?.size ?? 0;
      if ((old === undefined || !isActive(old)) && held > 0) return undefined;
    }
    // From here on the state moves: it is settled again only once this plan is committed.
    this.settled = undefined;
    const changed = [...units].sort(byName);
    for (const u of changed) {
      s.units.set(u.name, u);
      if (u.requirements.global) s.globals.add(u.name);
    }
    const book = new TaskBook(s.assignments, this.options.gate);
    const ctx: PlanContext = { state: s.state, units: s.units, book, match: s.state.match };
    // Phase 1 keeps everything; it updates what changed (in unit, then machine order).
    for (const u of changed) {
      const on = s.assignments.get(u.name);
      if (on === undefined) continue;
      for (const id of [...on.keys()].sort()) {
        const a = on.get(id);
        if (a !== undefined) book.refresh(a, u);
      }
    }
    placeGlobal(ctx, this.byName(s, s.globals));
    const look = new Set(s.waiting);
    for (const u of changed) if (!u.requirements.global) look.add(u.name);
    placeUnits(ctx, this.byName(s, look));
    const plan = book.result();
    this.pending = { ...s, plan };
    return plan;
  }

  /**
   * The caller wrote every task of the last plan: the next `changes` may build on it (unless the
   * plan moved or removed anything). Not calling it (a write refused or failed, a task held
   * back) makes the next pass a full one.
   */
  committed(): void {
    const p = this.pending;
    this.pending = undefined;
    if (p === undefined || p.plan.tasks.some((t) => t.kind === 'unschedule')) return;
    for (const t of p.plan.tasks) {
      if (t.kind === 'unschedule') continue;
      let on = p.assignments.get(t.unit);
      if (on === undefined) p.assignments.set(t.unit, (on = new Map()));
      const { unit, machineId, hash, desiredState } = t;
      on.set(machineId, { unit, machineId, hash, desiredState });
    }
    const waiting = new Set<string>();
    for (const w of p.plan.waiting) if (!p.globals.has(w.unit)) waiting.add(w.unit);
    const { state, units, assignments, globals, machines } = p;
    this.settled = { state, units, assignments, globals, waiting, machines };
  }

  /** Forgets the state: the next pass is a full one. */
  forget(): void {
    this.settled = this.pending = undefined;
  }

  private byName(s: Settled, names: Iterable<string>): SnapshotUnit[] {
    const out: SnapshotUnit[] = [];
    for (const n of [...names].sort(compareStrings)) {
      const u = s.units.get(n);
      if (u !== undefined) out.push(u);
    }
    return out;
  }
}

/** Whether two machine lists are the same, in the same order: IDs, presence and metadata. */
function sameMachines(a: readonly SnapshotMachine[], b: readonly SnapshotMachine[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) return false;
    if (x === y) continue;
    if (x.id !== y.id || (x.ghost === true) !== (y.ghost === true)) return false;
    if ((x.away === true) !== (y.away === true) || x.admin !== y.admin) return false;
    const kx = Object.keys(x.metadata);
    if (kx.length !== Object.keys(y.metadata).length) return false;
    if (kx.some((k) => x.metadata[k] !== y.metadata[k])) return false;
  }
  return true;
}
