// (d) globals everywhere they belong, (e) nothing stops without a reason, (f) settled after
// healing: what runs is what the registry asks for.
import { at, faultWindows, historyEnd, type History } from './history.js';
import {
  fmtMs,
  healed,
  isGlobal,
  related,
  runningAt,
  type InvariantOptions,
  type Violation,
} from './rules.js';
import { FAULTS } from './vocabulary.js';

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
  // A fault's effects may outlast its heal by its extendsMs (a lost watch event until a re-list).
  const lastHeal = Math.max(h.start, ...windows.map((w) => (w.to ?? h.start) + (w.extendsMs ?? 0)));
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
