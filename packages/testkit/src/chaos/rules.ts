// What the chaos invariants share: their options, their violations, and the reading of a
// history they all need (which unit is global, what ran when, which units exclude each other).
import type { FaultWindow, History, RunInterval, UnitSpec } from './history.js';

export type InvariantName =
  | 'one-copy'
  | 'lost-write'
  | 'fencing'
  | 'stuck-leader'
  | 'globals'
  | 'restart'
  | 'settled'
  | 'conflict'
  | 'resources';

export interface Violation {
  readonly invariant: InvariantName;
  /** When it happened (or began), on the history's clock. */
  readonly at: number;
  readonly description: string;
}

export interface InvariantOptions {
  /** The agents' TTL: how long an isolated machine may keep units the engine moved away. */
  readonly ttlMs: number;
  /** Reconnect slack on top of the TTL after an isolating fault heals (the review: 5 s). */
  readonly slackMs: number;
  /** A move's overlap: the unit's stop time + 2 s (and one observation step). */
  readonly moveSlackMs: number;
  /** Conflicting units on one machine: only the observation granularity (F9 fixed: 0 real overlap). */
  readonly conflictSlackMs: number;
  /** No allowance for isolating faults in (a): the partition duplicates of F7 count too. */
  readonly strict?: boolean;
  /** (c) How long pending work may wait for a pass of the leader when no fault excuses it. */
  readonly stuckMs: number;
  /** (c) How long a placeable unit may wait for a machine when no fault excuses it (default stuckMs). */
  readonly placeMs?: number;
  /** (f) How long after the last heal the run must be settled. */
  readonly settleMs: number;
  /** (h) Upper bounds per resource sample name. */
  readonly bounds?: Readonly<Record<string, number>>;
}

export const fmtMs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
export const endOf = (r: RunInterval, end: number): number => r.to ?? end;
export const healed = (w: FaultWindow, end: number): number => w.to ?? end;

export function isGlobal(h: History, unit: string): boolean {
  return h.units[unit]?.global ?? h.final?.units.find((u) => u.name === unit)?.global ?? false;
}

export function byUnit(runs: readonly RunInterval[]): Map<string, RunInterval[]> {
  const m = new Map<string, RunInterval[]>();
  for (const r of runs) {
    const l = m.get(r.unit) ?? [];
    l.push(r);
    m.set(r.unit, l);
  }
  return m;
}

/** Machine → units running at time `t`. */
export function runningAt(h: History, t: number): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (const r of h.runs)
    if (r.from <= t && (r.to === undefined || r.to > t)) {
      const s = m.get(r.machine) ?? new Set<string>();
      s.add(r.unit);
      m.set(r.machine, s);
    }
  return m;
}

function glob(pattern: string, name: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === name;
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(name);
}

/**
 * A and B may not share a machine, as the scheduler reads their relations: either one's Conflicts
 * names the other; or exactly one Replaces the other and neither is global (Replaces moves a unit,
 * which means nothing for a global; a circular pair is ignored, as fleet ignores it).
 */
export function exclusive(
  a: UnitSpec | undefined,
  b: UnitSpec | undefined,
  an: string,
  bn: string,
): boolean {
  const names = (s: UnitSpec | undefined, n: string, field: 'conflicts' | 'replaces') =>
    (s?.[field] ?? []).some((p) => glob(p, n));
  if (names(a, bn, 'conflicts') || names(b, an, 'conflicts')) return true;
  if (a?.global === true || b?.global === true) return false;
  return names(a, bn, 'replaces') !== names(b, an, 'replaces');
}

/**
 * The units related to `unit` by Conflicts, Replaces or MachineOf, in either direction and through
 * chains (a write to C that replaces B moves B, and A, which follows B, moves with it).
 */
export function related(h: History, unit: string): Set<string> {
  const named = (s: UnitSpec | undefined, n: string) =>
    [...(s?.conflicts ?? []), ...(s?.replaces ?? [])].some((p) => glob(p, n)) || s?.machineOf === n;
  const out = new Set<string>();
  const todo = [unit];
  for (let u = todo.pop(); u !== undefined; u = todo.pop()) {
    const mine = h.units[u];
    for (const [name, spec] of Object.entries(h.units)) {
      if (name === unit || out.has(name)) continue;
      if (named(mine, name) || named(spec, u)) {
        out.add(name);
        todo.push(name);
      }
    }
  }
  return out;
}
