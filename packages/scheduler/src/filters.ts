import { compareStrings } from '@fleet/unit';
import { conflictsWith, replaceEachOther, replaces, type ClusterState } from './cluster.js';
import { metadataFilter } from './filter-metadata.js';
import type { SnapshotUnit } from './types.js';

/**
 * Why a machine cannot take a unit, in three grammatical forms: `one` about a single machine
 * ("lacks metadata region=eu"), `many` as a plural predicate so rejections can be counted and joined
 * ("lack metadata region=eu"), and `none` for when every machine fails that way ("no machine has
 * metadata region=eu").
 */
export interface Rejection {
  readonly one: string;
  readonly many: string;
  readonly none: string;
}

/** A rejection whose sentences are only built if someone reads them (most are never shown). */
class LazyRejection implements Rejection {
  private built: Rejection | undefined;
  constructor(private readonly build: () => Rejection) {}
  private get texts(): Rejection {
    return (this.built ??= this.build());
  }
  get one(): string {
    return this.texts.one;
  }
  get many(): string {
    return this.texts.many;
  }
  get none(): string {
    return this.texts.none;
  }
}

const lazy = (texts: () => Rejection): Rejection => new LazyRejection(texts);

/** One constraint: `undefined` when `machineId` may take `unit`, else why not. */
export type Filter = (
  unit: SnapshotUnit,
  machineId: string,
  state: ClusterState,
) => Rejection | undefined;

/** Whether a machine's ID satisfies `MachineID=`: the full ID or fleet's 8-character short ID. */
export function machineIdMatches(required: string, machineId: string): boolean {
  return machineId === required || (required.length === 8 && machineId.slice(0, 8) === required);
}

/** `MachineID=`: only the named machine. */
export const machineIdFilter: Filter = (unit, machineId) => {
  const req = unit.requirements.machineId;
  if (req === undefined || machineIdMatches(req, machineId)) return undefined;
  return {
    one: `is not machine ${req}`,
    many: `are not machine ${req}`,
    none: `required machine ${req} is not in the cluster`,
  };
};

export { metadataFilter } from './filter-metadata.js';

/** `MachineOf=`: every peer must already be placed on the machine. */
export const machineOfFilter: Filter = (unit, machineId, state) => {
  for (const peer of unit.requirements.machineOf) {
    if (!state.machinesOf(peer).has(machineId)) {
      return {
        one: `does not run peer ${peer}`,
        many: `do not run peer ${peer}`,
        none: `no machine runs peer ${peer}`,
      };
    }
  }
  return undefined;
};

/** `Conflicts=`: checked both ways against every unit placed on the machine. */
export const conflictsFilter: Filter = (unit, machineId, state) => {
  const slot = state.slots.get(machineId);
  if (slot === undefined) return undefined;
  let clash = unit.requirements.conflicts.some((g) => state.runsMatching(g, machineId, unit.name));
  if (!clash) clash = state.declaringOn(machineId).some((u) => conflictsWith(unit, u, state.match));
  if (!clash) return undefined;
  return lazy(() => {
    let other = '';
    for (const name of slot.units) {
      const u = state.units.get(name);
      if (
        u !== undefined &&
        conflictsWith(unit, u, state.match) &&
        (other === '' || name < other)
      ) {
        other = name;
      }
    }
    return {
      one: `runs conflicting unit ${other}`,
      many: `run conflicting unit ${other}`,
      none: `every machine runs conflicting unit ${other}`,
    };
  });
};

/**
 * `Replaces=` seen from the replaced side: a unit may not run where a unit that replaces it runs.
 * The reason names the first such unit by name (not by when it was placed, which differs between a
 * full pass and a pass over the changed units only).
 */
export const replacedByFilter: Filter = (unit, machineId, state) => {
  let by: SnapshotUnit | undefined;
  for (const r of state.declaringOn(machineId)) {
    if (by !== undefined && compareStrings(r.name, by.name) >= 0) continue;
    if (replaces(r, unit, state.match) && !replaceEachOther(r, unit, state.match)) by = r;
  }
  if (by === undefined) return undefined;
  const name = by.name;
  return {
    one: `runs ${name}, which replaces it`,
    many: `run ${name}, which replaces it`,
    none: `every machine runs ${name}, which replaces it`,
  };
};

/** The filters a non-global unit must pass, in fleet's order. */
export const UNIT_FILTERS: readonly Filter[] = [
  machineIdFilter,
  metadataFilter,
  machineOfFilter,
  conflictsFilter,
  replacedByFilter,
];

/** The filters a global unit must pass on each machine. */
export const GLOBAL_FILTERS: readonly Filter[] = [
  metadataFilter,
  conflictsFilter,
  replacedByFilter,
];

/**
 * Whether `filters` reject `machineId`: `undefined` when it passes all of them, else a rejection
 * naming every constraint it fails (fleet's first stops the check; the others are looked at only
 * when the rejection is read, right away, while the state is the one it was checked against). A
 * machine other than the one `MachineID=` names is rejected for that alone.
 */
export function check(
  filters: readonly Filter[],
  unit: SnapshotUnit,
  machineId: string,
  state: ClusterState,
): Rejection | undefined {
  for (let i = 0; i < filters.length; i++) {
    const f = filters[i] as Filter;
    const r = f(unit, machineId, state);
    if (r === undefined) continue;
    if (i === filters.length - 1 || f === machineIdFilter) return r;
    return lazy(() => joined(r, filters, i + 1, unit, machineId, state));
  }
  return undefined;
}

/** `first` and the rejections of the filters from `from` on, as one rejection. */
function joined(
  first: Rejection,
  filters: readonly Filter[],
  from: number,
  unit: SnapshotUnit,
  machineId: string,
  state: ClusterState,
): Rejection {
  let parts: Rejection[] | undefined;
  for (let i = from; i < filters.length; i++) {
    const r = (filters[i] as Filter)(unit, machineId, state);
    if (r !== undefined) (parts ??= [first]).push(r);
  }
  return parts === undefined ? first : new Joined(parts);
}

/** Several rejections of one machine: `many` is read for every machine, the rest for a few. */
class Joined implements Rejection {
  readonly many: string;
  constructor(private readonly parts: readonly Rejection[]) {
    this.many = parts.map((r) => r.many).join(' and ');
  }
  get one(): string {
    return this.parts.map((r) => r.one).join(' and ');
  }
  get none(): string {
    return `every machine ${this.one}`;
  }
}

/**
 * One sentence for a unit no machine could take, Kubernetes-style:
 * "0/3 machines available: 2 run conflicting unit web.1.service, 1 lacks metadata region=eu".
 */
export function summarize(rejections: readonly Rejection[], machineCount: number): string {
  if (machineCount === 0) return 'no machines are available';
  const counts = new Map<string, { n: number; r: Rejection }>();
  for (const r of rejections) {
    const c = counts.get(r.many);
    if (c) c.n++;
    else counts.set(r.many, { n: 1, r });
  }
  if (counts.size === 1) {
    const only = [...counts.values()][0];
    if (only !== undefined && only.n === machineCount) return only.r.none;
  }
  const parts = [...counts.values()]
    .sort((a, b) => b.n - a.n || compareStrings(a.r.many, b.r.many))
    .map((c) => `${c.n} ${c.n === 1 ? c.r.one : c.r.many}`);
  return `0/${machineCount} machines available: ${parts.join(', ')}`;
}
