import { matchGlob } from '@fleet/unit';
import { GlobCache, type GlobMatcher } from './globs.js';
import type { SnapshotMachine, SnapshotUnit } from './types.js';

/** What one machine carries during a planning pass. */
export interface MachineSlot {
  readonly machine: SnapshotMachine;
  /** Names of the units placed here (global and non-global). */
  readonly units: Set<string>;
}

/**
 * The working state of one planning pass: which unit is where, and each machine's load, kept in
 * least-loaded order (ties broken by machine ID) so that placement is O(machines tried), not a sort
 * per unit. Private to the planner; built fresh from the snapshot each pass.
 */
export class ClusterState {
  readonly slots = new Map<string, MachineSlot>();
  /** Unit name -> machine IDs it is placed on (one for non-global units). */
  readonly placed = new Map<string, Set<string>>();
  /** Units placed on each machine that declare Conflicts or Replaces (checked in both directions). */
  private readonly declaring = new Map<string, SnapshotUnit[]>();
  /** Glob matching: compiled once, answers remembered (for this pass, or longer). */
  readonly match: GlobMatcher;
  /** For each indexed Conflicts glob: machine ID -> how many placed units there match it. */
  private readonly globHosts = new Map<string, Map<string, number>>();
  /** For each Conflicts glob not indexed yet: how many unit names its scans have read. */
  private readonly scanned = new Map<string, number>();
  /** Buckets of machine IDs by load, each sorted by ID. */
  private readonly buckets: string[][] = [];

  constructor(
    machines: readonly SnapshotMachine[],
    readonly units: ReadonlyMap<string, SnapshotUnit>,
    globs: GlobCache = new GlobCache(),
    /** Names a glob's scans read before it is indexed (see {@link runsMatching}). */
    private readonly indexAfter = units.size,
  ) {
    this.match = globs.match;
    // Ghost and away machines keep what they have but never take anything: not in the buckets.
    const ids = machines
      .filter((m) => m.ghost !== true && m.away !== true && m.admin === undefined)
      .map((m) => m.id)
      .sort();
    for (const m of machines) {
      this.slots.set(m.id, { machine: m, units: new Set() });
      this.declaring.set(m.id, []);
    }
    this.buckets[0] = ids;
  }

  load(machineId: string): number {
    return this.slots.get(machineId)?.units.size ?? 0;
  }

  machinesOf(unit: string): ReadonlySet<string> {
    return this.placed.get(unit) ?? EMPTY;
  }

  /** Units placed on a machine that declare Conflicts or Replaces. */
  declaringOn(machineId: string): readonly SnapshotUnit[] {
    return this.declaring.get(machineId) ?? [];
  }

  place(unit: SnapshotUnit, machineId: string): void {
    const slot = this.slots.get(machineId);
    if (slot === undefined || slot.units.has(unit.name)) return;
    const before = slot.units.size;
    slot.units.add(unit.name);
    this.move(machineId, before, before + 1);
    let set = this.placed.get(unit.name);
    if (set === undefined) this.placed.set(unit.name, (set = new Set()));
    set.add(machineId);
    if (unit.requirements.conflicts.length > 0 || unit.requirements.replaces.length > 0) {
      this.declaring.get(machineId)?.push(unit);
    }
    for (const [glob, hosts] of this.globHosts) {
      if (this.match(glob, unit.name)) hosts.set(machineId, (hosts.get(machineId) ?? 0) + 1);
    }
  }

  remove(unitName: string, machineId: string): void {
    const slot = this.slots.get(machineId);
    if (slot === undefined || !slot.units.has(unitName)) return;
    const before = slot.units.size;
    slot.units.delete(unitName);
    this.move(machineId, before, before - 1);
    const set = this.placed.get(unitName);
    set?.delete(machineId);
    if (set?.size === 0) this.placed.delete(unitName);
    for (const [glob, hosts] of this.globHosts) {
      if (!this.match(glob, unitName)) continue;
      const n = (hosts.get(machineId) ?? 0) - 1;
      if (n > 0) hosts.set(machineId, n);
      else hosts.delete(machineId);
    }
    const decl = this.declaring.get(machineId);
    if (decl !== undefined) {
      const i = decl.findIndex((u) => u.name === unitName);
      if (i >= 0) decl.splice(i, 1);
    }
  }

  /**
   * Whether a unit other than `except` placed on `machineId` has a name matching `glob`.
   *
   * A glob is first answered by scanning the machine's units. Once the machines it was scanned on
   * held as many units, in all, as the snapshot has (about what an index reads: each unit's name
   * once when built or when placed), it is indexed instead: the machines running a unit that
   * matches it (with counts), kept up to date as units are placed and removed, so each later check
   * is a look-up. A glob checked on a machine or two (a unit placed at its first candidate, however
   * many globs it has) thus costs its neighbours, not the cluster; one checked on many machines
   * (`web@*.service` for every web unit) costs about twice what indexing it at once would. At most
   * MAX_INDEXED_GLOBS globs are indexed; beyond that every check scans. The answer is the same
   * either way.
   */
  runsMatching(glob: string, machineId: string, except: string): boolean {
    const hosts = this.globHosts.get(glob);
    // `except` is never counted here: it is not placed on a machine it is being checked for.
    if (hosts !== undefined) return hosts.has(machineId);
    const slot = this.slots.get(machineId);
    if (slot === undefined) return false;
    let found = false;
    for (const n of slot.units) {
      if (n !== except && this.match(glob, n)) {
        found = true;
        break;
      }
    }
    const read = (this.scanned.get(glob) ?? 0) + slot.units.size;
    if (read < this.indexAfter || this.globHosts.size >= MAX_INDEXED_GLOBS) {
      this.scanned.set(glob, read);
    } else {
      this.scanned.delete(glob);
      this.index(glob);
    }
    return found;
  }

  /** Indexes `glob` (see {@link runsMatching}). */
  private index(glob: string): void {
    const hosts = new Map<string, number>();
    for (const [name, machines] of this.placed) {
      if (!this.match(glob, name)) continue;
      for (const m of machines) hosts.set(m, (hosts.get(m) ?? 0) + 1);
    }
    this.globHosts.set(glob, hosts);
  }

  /** Machine IDs from least to most loaded, ties by ID. Do not place or remove while iterating. */
  *leastLoaded(): Generator<string> {
    for (const bucket of this.buckets) {
      if (bucket === undefined) continue;
      yield* bucket;
    }
  }

  /** Whether a machine may take new units (it is live, not a ghost nor away, nor cordoned). */
  accepting(machineId: string): boolean {
    const m = this.slots.get(machineId)?.machine;
    return m !== undefined && m.ghost !== true && m.away !== true && m.admin === undefined;
  }

  /** Whether a machine's record is unknown this pass (a ghost, or away). */
  unseen(machineId: string): boolean {
    const m = this.slots.get(machineId)?.machine;
    return m?.ghost === true || m?.away === true;
  }

  /** Whether a machine's record vanished recently: it keeps only its global units. */
  away(machineId: string): boolean {
    return this.slots.get(machineId)?.machine.away === true;
  }

  private move(id: string, from: number, to: number): void {
    if (!this.accepting(id)) return;
    const src = this.buckets[from];
    if (src !== undefined) {
      const i = lowerBound(src, id);
      if (src[i] === id) src.splice(i, 1);
    }
    let dst = this.buckets[to];
    if (dst === undefined) {
      for (let k = this.buckets.length; k <= to; k++) this.buckets[k] = [];
      dst = this.buckets[to] ?? [];
    }
    dst.splice(lowerBound(dst, id), 0, id);
  }
}

const EMPTY: ReadonlySet<string> = new Set();
/** Distinct Conflicts globs indexed per pass; each costs a check on every placement. */
const MAX_INDEXED_GLOBS = 256;

function lowerBound(arr: readonly string[], v: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((arr[mid] ?? '') < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export type { GlobMatcher } from './globs.js';

/** True when `a` and `b` may not share a machine: either one's Conflicts globs match the other. */
export function conflictsWith(
  a: SnapshotUnit,
  b: SnapshotUnit,
  match: GlobMatcher = matchGlob,
): boolean {
  if (a.name === b.name) return false;
  return (
    a.requirements.conflicts.some((g) => match(g, b.name)) ||
    b.requirements.conflicts.some((g) => match(g, a.name))
  );
}

/**
 * True when `replacer` declares that it replaces `other`. Replaces moves a unit to another machine,
 * which means nothing for global units, so neither side of it may be global.
 */
export function replaces(
  replacer: SnapshotUnit,
  other: SnapshotUnit,
  match: GlobMatcher = matchGlob,
): boolean {
  return (
    replacer.name !== other.name &&
    !replacer.requirements.global &&
    !other.requirements.global &&
    replacer.requirements.replaces.some((g) => match(g, other.name))
  );
}

/** True when each of the two units replaces the other (fleet ignores such a pair). */
export function replaceEachOther(
  a: SnapshotUnit,
  b: SnapshotUnit,
  match: GlobMatcher = matchGlob,
): boolean {
  return replaces(a, b, match) && replaces(b, a, match);
}
