// One step of the engine's drains (docs/operating.md, "Machine administrative state"): which
// copies on draining machines may move now, group by group within the group's rollout limits
// (at most `maxParallel` copies away from a healthy state at once; a moved copy counts until it
// has been healthy on its new machine for `minHealthySec`, or `healthyDeadlineSec` has passed),
// and which draining machines are drained. Pure: the caller passes the clock's reading.
import { compareStrings, type DesiredState, type RolloutPolicy } from '@fleet/unit';

/** A unit as a drain reads it. */
export interface DrainUnit {
  readonly name: string;
  readonly group: string;
  readonly global: boolean;
  readonly desiredState: DesiredState;
  readonly policy: RolloutPolicy;
}

/** A copy released to leave `from`, and how it is doing. */
export interface DrainMove {
  readonly unit: string;
  readonly group: string;
  readonly from: string;
  /** When it was released (ms since the epoch). */
  readonly since: number;
  /** Since when it has been healthy on a machine that is not draining (ms), if it is. */
  readonly healthySince?: number;
}

/** What a drain step reads. */
export interface DrainInput {
  /** Machines being drained. */
  readonly draining: ReadonlySet<string>;
  readonly units: ReadonlyMap<string, DrainUnit>;
  readonly assignments: readonly { readonly unit: string; readonly machineId: string }[];
  readonly states: readonly {
    readonly unit: string;
    readonly machineId: string;
    readonly activeState: string;
    readonly health?: { readonly status: 'passing' | 'failing' };
  }[];
  /** The open moves, by unit (the previous step's). */
  readonly moves: ReadonlyMap<string, DrainMove>;
  readonly now: number;
}

/** What a drain step decided. */
export interface DrainStep {
  /** The open moves, by unit: their copies may leave `from` (see DrainGate). */
  readonly moves: Map<string, DrainMove>;
  /** Draining machines with no unit but global ones left. */
  readonly drained: string[];
}

type State = DrainInput['states'][number];

function healthy(unit: DrainUnit, state: State | undefined): boolean {
  if (unit.desiredState !== 'launched') return state !== undefined;
  return state?.activeState === 'active' && state.health?.status !== 'failing';
}

/** One step: closes the moves that are done, opens new ones within each group's limit. */
export function stepDrain(input: DrainInput): DrainStep {
  const { draining, units, now } = input;
  const where = new Map<string, string[]>();
  for (const a of input.assignments) {
    const list = where.get(a.unit) ?? [];
    list.push(a.machineId);
    where.set(a.unit, list);
  }
  const states = new Map(input.states.map((s) => [`${s.unit}\n${s.machineId}`, s]));
  const moves = new Map<string, DrainMove>();
  const open = new Map<string, number>();
  for (const m of input.moves.values()) {
    const unit = units.get(m.unit);
    if (unit === undefined || unit.global || unit.desiredState === 'inactive') continue;
    const policy = unit.policy;
    if (now - m.since >= policy.healthyDeadlineSec * 1000) continue; // given up on: it counts no more
    const at = (where.get(m.unit) ?? []).find((id) => id !== m.from && !draining.has(id));
    let next: DrainMove = { unit: m.unit, group: m.group, from: m.from, since: m.since };
    if (at !== undefined && healthy(unit, states.get(`${m.unit}\n${at}`))) {
      const since = m.healthySince ?? now;
      if (now - since >= policy.minHealthySec * 1000) continue; // moved, and healthy: done
      next = { ...next, healthySince: since };
    }
    moves.set(m.unit, next);
    open.set(m.group, (open.get(m.group) ?? 0) + 1);
  }
  const candidates = input.assignments
    .filter((a) => draining.has(a.machineId) && !moves.has(a.unit))
    .flatMap((a) => {
      const unit = units.get(a.unit);
      if (unit === undefined || unit.global || unit.desiredState === 'inactive') return [];
      return [{ unit, from: a.machineId }];
    })
    .sort(
      (a, b) =>
        compareStrings(a.unit.group, b.unit.group) || compareStrings(a.unit.name, b.unit.name),
    );
  for (const { unit, from } of candidates) {
    const n = open.get(unit.group) ?? 0;
    if (n >= unit.policy.maxParallel) continue;
    open.set(unit.group, n + 1);
    moves.set(unit.name, { unit: unit.name, group: unit.group, from, since: now });
  }
  const busy = new Set<string>();
  for (const a of input.assignments) {
    const unit = units.get(a.unit);
    if (unit !== undefined && !unit.global && unit.desiredState !== 'inactive')
      busy.add(a.machineId);
  }
  const drained = [...draining].filter((id) => !busy.has(id)).sort(compareStrings);
  return { moves, drained };
}
