// The invariants of a chaos run, as pure functions of its History. Each returns violations
// with a sentence an operator can read; none throws on a bad run. Letters follow the
// reliability review §4.3 and the suite's brief:
//   (a) oneCopy        at most one running copy of a non-global unit, beyond explained overlap
//   (b) lostWrites     no acknowledged API write lost (a register per unit)
//   (c) fencing        every assignment write inside its writer's leader term
//       stuckLeader    the leader-key holder keeps scheduling
//   (d) globals        globals run on every live eligible machine at the end
//   (e) restarts       nothing stops or restarts without a write, a fault or a relation to explain it
//   (f) settled        after healing, the state the registry asks for is the state that runs
//   (g) conflicts      no conflicting units co-active on one machine beyond the observation slack
//   (h) resources      bounded resources
import {
  at,
  faultWindows,
  historyEnd,
  type FaultWindow,
  type History,
  type RunInterval,
  type UnitSpec,
} from './history.js';
import { intersect, length, subtract, union, type Span } from './spans.js';
import { FAULTS } from './vocabulary.js';

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

const fmtMs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const endOf = (r: RunInterval, end: number): number => r.to ?? end;
const healed = (w: FaultWindow, end: number): number => w.to ?? end;

function isGlobal(h: History, unit: string): boolean {
  return h.units[unit]?.global ?? h.final?.units.find((u) => u.name === unit)?.global ?? false;
}

function byUnit(runs: readonly RunInterval[]): Map<string, RunInterval[]> {
  const m = new Map<string, RunInterval[]>();
  for (const r of runs) {
    const l = m.get(r.unit) ?? [];
    l.push(r);
    m.set(r.unit, l);
  }
  return m;
}

/**
 * (a) At most one running copy of each non-global unit, beyond explained overlap: a move (the
 * move slack after the new copy starts), an isolating fault of the older copy's machine (until
 * TTL + slack after its heal), or slow stops there (until the stop delay + move slack after).
 */
export function oneCopy(h: History, o: InvariantOptions): Violation[] {
  const end = historyEnd(h);
  const faults = faultWindows(h);
  const out: Violation[] = [];
  for (const [unit, runs] of byUnit(h.runs)) {
    if (isGlobal(h, unit)) continue;
    for (let i = 0; i < runs.length; i++)
      for (let j = i + 1; j < runs.length; j++) {
        const a = runs[i];
        const b = runs[j];
        if (a === undefined || b === undefined || a.machine === b.machine) continue;
        const from = Math.max(a.from, b.from);
        const to = Math.min(endOf(a, end), endOf(b, end));
        if (to <= from) continue;
        const [older, newer] = a.from <= b.from ? [a, b] : [b, a];
        const cover: Span[] = [{ from: newer.from, to: newer.from + o.moveSlackMs }];
        const why: string[] = [];
        if (o.strict !== true)
          for (const f of faults)
            if (f.machine !== older.machine) continue;
            else if (FAULTS[f.kind].isolates) {
              cover.push({ from: f.from, to: healed(f, end) + o.ttlMs + o.slackMs });
              why.push(`${f.kind} ${at(h, f.from)}–${f.to === undefined ? 'end' : at(h, f.to)}`);
            } else if (FAULTS[f.kind].delaysStops) {
              cover.push({ from: f.from, to: healed(f, end) + (f.extendsMs ?? 0) + o.moveSlackMs });
              why.push(`${f.kind} ${at(h, f.from)}–${f.to === undefined ? 'end' : at(h, f.to)}`);
            }
        const left = subtract({ from, to }, cover);
        const unexplained = length(left);
        if (unexplained <= 0) continue;
        const first = left[0]?.from ?? from;
        out.push({
          invariant: 'one-copy',
          at: first,
          description:
            `${unit} ran on ${older.machine} and ${newer.machine} at once from ${at(h, from)} for ${fmtMs(to - from)}; ` +
            `${fmtMs(unexplained)} of it unexplained from ${at(h, first)} ` +
            `(move slack ${fmtMs(o.moveSlackMs)}; ` +
            (o.strict === true
              ? 'strict: no partition allowance)'
              : why.length === 0
                ? `no isolating fault on ${older.machine})`
                : `allowed for faults on ${older.machine}: ${why.join(', ')})`),
        });
      }
  }
  return out;
}

/**
 * (b) No acknowledged write lost. The final desired state of each unit must be the value of a
 * write that could have been linearized last: one that was ok or unknown (not error), and that no
 * ok write began after it ended. With no ok write at all, 'absent' (never created) also fits.
 */
export function lostWrites(h: History): Violation[] {
  const final = h.final;
  if (final === undefined) return [];
  const out: Violation[] = [];
  const units = new Set(h.writes.map((w) => w.unit));
  for (const unit of [...units].sort()) {
    const writes = h.writes.filter((w) => w.unit === unit);
    const value = final.units.find((u) => u.name === unit)?.desiredState ?? 'absent';
    const ok = writes.filter((w) => w.outcome === 'ok');
    const canBeLast = writes.filter(
      (w) =>
        w.outcome !== 'error' &&
        w.value === value &&
        !ok.some((x) => x !== w && w.end !== undefined && x.start > w.end),
    );
    if (canBeLast.length > 0 || (ok.length === 0 && value === 'absent')) continue;
    const lastOk = [...ok].sort((x, y) => (x.end ?? 0) - (y.end ?? 0)).pop();
    out.push({
      invariant: 'lost-write',
      at: lastOk?.end ?? final.at,
      description:
        `${unit} ended ${value === 'absent' ? 'destroyed' : `as ${value}`}, which no write that could come last set` +
        (lastOk === undefined
          ? ''
          : `; the last acknowledged write was ${lastOk.op} → ${lastOk.value} (${at(h, lastOk.start)}–${at(h, lastOk.end ?? final.at)})`),
    });
  }
  return out;
}

/** (c) Every assignment write was made inside the term of the token it carries. */
export function fencing(h: History): Violation[] {
  const changes = h.leaders
    .filter((l) => l.revision !== undefined)
    .sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  if (changes.length === 0) return [];
  const out: Violation[] = [];
  for (const w of h.assignments) {
    let current: (typeof changes)[number] | undefined;
    for (const c of changes) if ((c.revision ?? 0) <= w.revision) current = c;
    if (current?.token === w.token) continue;
    out.push({
      invariant: 'fencing',
      at: w.at,
      description:
        `${w.op} ${w.unit} on ${w.machine} committed at revision ${w.revision} under token ${w.token}, ` +
        (current?.holder === undefined
          ? 'when nobody held the leader key'
          : `when the leader key was ${current.holder}'s (token ${current.token ?? '?'})`),
    });
  }
  return out;
}

/** Spans during which each (holder, token) held the leader key. */
function terms(h: History, end: number): { holder: string; token: string; span: Span }[] {
  const out: { holder: string; token: string; span: Span }[] = [];
  const sorted = [...h.leaders].sort((a, b) => a.at - b.at);
  sorted.forEach((c, i) => {
    if (c.holder === undefined || c.token === undefined) return;
    out.push({
      holder: c.holder,
      token: c.token,
      span: { from: c.at, to: sorted[i + 1]?.at ?? end },
    });
  });
  return out;
}

/** Spans from each observation to the next, with what was pending in it. */
function pendingSpans(h: History, end: number) {
  const obs = [...h.pending].sort((a, b) => a.at - b.at);
  return obs.map((p, i) => ({
    span: { from: p.at, to: obs[i + 1]?.at ?? end },
    pending: p.pending,
  }));
}

/**
 * (c) The leader-key holder keeps scheduling: while it holds the key, and no isolating fault on
 * its machine or fault of etcd itself excuses it (until TTL + slack after the heal), pending work
 * may not wait longer than `stuckMs` without a pass of that term, and a placeable unit may not
 * stay unplaced longer than `placeMs`.
 */
export function stuckLeader(h: History, o: InvariantOptions): Violation[] {
  const end = historyEnd(h);
  const faults = faultWindows(h);
  const out: Violation[] = [];
  const spans = pendingSpans(h, end);
  for (const t of terms(h, end)) {
    const excused = union(
      faults
        .filter(
          (f) =>
            (FAULTS[f.kind].isolates && f.machine === t.holder) ||
            FAULTS[f.kind].scope === 'etcd-member',
        )
        .map((f) => ({ from: f.from, to: healed(f, end) + o.ttlMs + o.slackMs })),
    );
    const accountable = subtract(t.span, excused);
    // Work pending, and no pass of this term for stuckMs.
    const busy = intersect(
      accountable,
      spans.filter((s) => s.pending.length > 0).map((s) => s.span),
    );
    const passes = h.passes
      .filter((p) => p.holder === t.holder && p.token === t.token)
      .map((p) => p.at);
    for (const b of busy) {
      let last = b.from;
      for (const p of [...passes.filter((x) => x > b.from && x < b.to), b.to]) {
        if (p - last > o.stuckMs) {
          out.push({
            invariant: 'stuck-leader',
            at: last,
            description:
              `${t.holder} held the leader key (token ${t.token}) and made no reconcile pass for ${fmtMs(p - last)} ` +
              `from ${at(h, last)} while units waited for a machine`,
          });
          break;
        }
        last = p;
      }
    }
    // A placeable unit left unplaced.
    const units = new Set(
      spans.flatMap((s) => s.pending.filter((p) => p.placeable).map((p) => p.unit)),
    );
    for (const unit of [...units].sort()) {
      const waiting = union(
        spans
          .filter((s) => s.pending.some((p) => p.unit === unit && p.placeable))
          .map((s) => s.span),
      );
      const long = intersect(waiting, accountable).find(
        (s) => s.to - s.from > (o.placeMs ?? o.stuckMs),
      );
      if (long === undefined) continue;
      out.push({
        invariant: 'stuck-leader',
        at: long.from,
        description:
          `${unit} could be placed but waited ${fmtMs(long.to - long.from)} from ${at(h, long.from)} ` +
          `while ${t.holder} held the leader key (token ${t.token})`,
      });
    }
  }
  return out;
}

/** Machine → units running at time `t`. */
function runningAt(h: History, t: number): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (const r of h.runs)
    if (r.from <= t && (r.to === undefined || r.to > t)) {
      const s = m.get(r.machine) ?? new Set<string>();
      s.add(r.unit);
      m.set(r.machine, s);
    }
  return m;
}

/** (d) At the end, every launched global unit runs on every live eligible machine. */
export function globals(h: History): Violation[] {
  const final = h.final;
  if (final === undefined) return [];
  const running = runningAt(h, final.at);
  const live = final.machines.filter((m) => m.live).map((m) => m.id);
  const out: Violation[] = [];
  for (const u of final.units) {
    if (!u.global || u.desiredState !== 'launched') continue;
    const missing = (u.eligible ?? live).filter(
      (m) => live.includes(m) && running.get(m)?.has(u.name) !== true,
    );
    if (missing.length === 0) continue;
    out.push({
      invariant: 'globals',
      at: final.at,
      description: `global ${u.name} is not running on ${missing.join(', ')} at the end (${at(h, final.at)})`,
    });
  }
  return out;
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
function related(h: History, unit: string): Set<string> {
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

/**
 * Whether the unit's desired state at `t` may be other than launched: the last acknowledged
 * write before `t`, or a write it cannot be ordered before (concurrent, or unknown), says so.
 */
function mayWantStopped(h: History, unit: string, t: number): boolean {
  const before = h.writes.filter((w) => w.unit === unit && w.start <= t && w.outcome !== 'error');
  const ok = before.filter((w) => w.outcome === 'ok' && w.end !== undefined && w.end <= t);
  const last = ok.reduce<(typeof ok)[number] | undefined>(
    (a, w) => (a === undefined || (w.end ?? 0) > (a.end ?? 0) ? w : a),
    undefined,
  );
  const current = before.filter(
    (w) => last === undefined || w === last || (w.end ?? Infinity) >= last.start,
  );
  return current.some((w) => w.value !== 'launched');
}

/**
 * (e) Nothing stops (or restarts) without a reason. A run that ends before the history does is
 * explained by a write to its unit while it ran, or a desired state other than launched when it
 * stopped (a unit started from a stale view may be stopped); by a fault of its machine that may stop it (a
 * power cut stops all; an isolating fault lets the engine move non-global units away) until
 * TTL + slack after the heal; or, for a unit with relations, by a write to a related unit or
 * any fault while it ran. Globals restarted after a cut (F7) and flaps (F4) are not explained.
 */
export function restarts(h: History, o: InvariantOptions): Violation[] {
  const end = historyEnd(h);
  const faults = faultWindows(h);
  const out: Violation[] = [];
  for (const r of h.runs) {
    if (r.to === undefined || r.to >= end) continue;
    const stop = r.to;
    const during = (s: number, e: number | undefined) => s <= stop && (e ?? end) >= r.from;
    if (h.writes.some((w) => w.unit === r.unit && during(w.start, w.end))) continue;
    if (mayWantStopped(h, r.unit, stop)) continue;
    const global = isGlobal(h, r.unit);
    const machineFault = faults.find((f) => {
      const stops = FAULTS[f.kind].stops;
      if (f.machine !== r.machine || stops === 'none' || (stops === 'moved' && global))
        return false;
      return f.from <= stop && stop <= healed(f, end) + o.ttlMs + o.slackMs;
    });
    if (machineFault !== undefined) continue;
    const rel = related(h, r.unit);
    if (rel.size > 0) {
      if (h.writes.some((w) => rel.has(w.unit) && during(w.start, w.end))) continue;
      if (
        faults.some((f) =>
          during(f.from, f.to === undefined ? undefined : f.to + o.ttlMs + o.slackMs),
        )
      )
        continue;
    }
    const again = h.runs.find(
      (x) => x.unit === r.unit && x.machine === r.machine && x.from >= stop,
    );
    const mf = faults.filter((f) => f.machine === r.machine && f.from <= stop);
    out.push({
      invariant: 'restart',
      at: stop,
      description:
        `${global ? 'global ' : ''}${r.unit} stopped on ${r.machine} at ${at(h, stop)}` +
        (again === undefined ? '' : ` and started again at ${at(h, again.from)}`) +
        ` with no write to it` +
        (mf.length === 0
          ? ' and no fault of the machine'
          : ` (machine faults before: ${mf.map((f) => `${f.kind} ${at(h, f.from)}`).join(', ')}, none may stop it)`),
    });
  }
  return out;
}

/** (f) Once healed for `settleMs`, what runs is what the registry asks for. */
export function settled(h: History, o: InvariantOptions): Violation[] {
  const final = h.final;
  if (final === undefined) return [];
  const out: Violation[] = [];
  const v = (description: string) => out.push({ invariant: 'settled', at: final.at, description });
  const windows = faultWindows(h);
  const unhealed = windows.filter((w) => w.to === undefined);
  if (unhealed.length > 0) {
    v(
      `the history ended with faults not healed: ${unhealed.map((w) => `${w.kind} on ${w.target}`).join(', ')}`,
    );
    return out;
  }
  const lastHeal = Math.max(h.start, ...windows.map((w) => w.to ?? h.start));
  if (final.at < lastHeal + o.settleMs)
    v(
      `the final state was read ${fmtMs(final.at - lastHeal)} after the last heal, before the ${fmtMs(o.settleMs)} to settle`,
    );
  const running = runningAt(h, final.at);
  const live = new Set(final.machines.filter((m) => m.live).map((m) => m.id));
  const where = (unit: string) =>
    [...running]
      .filter(([, s]) => s.has(unit))
      .map(([m]) => m)
      .sort();
  const known = new Set(final.units.map((u) => u.name));
  for (const u of final.units) {
    const on = where(u.name);
    if (u.desiredState !== 'launched') {
      if (on.length > 0) v(`${u.name} is ${u.desiredState} but runs on ${on.join(', ')}`);
      continue;
    }
    if (u.global) continue; // (d)
    const assigned = u.assignedTo.filter((m) => live.has(m));
    if (u.assignedTo.length > 1)
      v(`${u.name} is assigned to ${u.assignedTo.length} machines: ${u.assignedTo.join(', ')}`);
    if (assigned.length === 0) {
      if (u.placeable) v(`${u.name} is launched and could be placed, but no live machine has it`);
      if (on.length > 0) v(`${u.name} is assigned to no live machine but runs on ${on.join(', ')}`);
      continue;
    }
    const target = assigned[0] ?? '';
    if (!on.includes(target)) v(`${u.name} is assigned to ${target} but does not run there`);
    const extra = on.filter((m) => m !== target);
    if (extra.length > 0)
      v(`${u.name} is assigned to ${target} but also runs on ${extra.join(', ')}`);
  }
  for (const [m, units] of running)
    for (const unit of units)
      if (!known.has(unit)) v(`${unit} was destroyed but still runs on ${m}`);
  return out;
}

/** (g) No two units that exclude each other run on one machine at once beyond the slack. */
export function conflicts(h: History, o: InvariantOptions): Violation[] {
  const end = historyEnd(h);
  const out: Violation[] = [];
  const runs = [...h.runs];
  for (let i = 0; i < runs.length; i++)
    for (let j = i + 1; j < runs.length; j++) {
      const a = runs[i];
      const b = runs[j];
      if (a === undefined || b === undefined || a.machine !== b.machine || a.unit === b.unit)
        continue;
      if (!exclusive(h.units[a.unit], h.units[b.unit], a.unit, b.unit)) continue;
      const from = Math.max(a.from, b.from);
      const to = Math.min(endOf(a, end), endOf(b, end));
      if (to - from <= o.conflictSlackMs) continue;
      out.push({
        invariant: 'conflict',
        at: from,
        description:
          `${a.unit} and ${b.unit} exclude each other but ran together on ${a.machine} ` +
          `for ${fmtMs(to - from)} from ${at(h, from)} (slack ${fmtMs(o.conflictSlackMs)})`,
      });
    }
  return out;
}

/** (h) Every sampled resource stays under its bound. The first excess of each is reported. */
export function resources(h: History, o: InvariantOptions): Violation[] {
  const out: Violation[] = [];
  const seen = new Set<string>();
  for (const s of h.resources) {
    const bound = o.bounds?.[s.name];
    if (bound === undefined || s.value <= bound || seen.has(s.name)) continue;
    seen.add(s.name);
    out.push({
      invariant: 'resources',
      at: s.at,
      description: `${s.name} reached ${s.value} at ${at(h, s.at)} (bound ${bound})`,
    });
  }
  return out;
}

/** Every invariant, in the order above. */
export function checkAll(h: History, o: InvariantOptions): Violation[] {
  return [
    ...oneCopy(h, o),
    ...lostWrites(h),
    ...fencing(h),
    ...stuckLeader(h, o),
    ...globals(h),
    ...restarts(h, o),
    ...settled(h, o),
    ...conflicts(h, o),
    ...resources(h, o),
  ];
}
