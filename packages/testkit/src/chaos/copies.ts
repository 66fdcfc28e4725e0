// (a) at most one running copy of a non-global unit, (g) no conflicting units together on one
// machine: both read overlaps of run intervals.
import { at, faultWindows, historyEnd, type History } from './history.js';
import {
  byUnit,
  endOf,
  exclusive,
  fmtMs,
  healed,
  isGlobal,
  type InvariantOptions,
  type Violation,
} from './rules.js';
import { length, subtract, type Span } from './spans.js';
import { FAULTS } from './vocabulary.js';

/**
 * (a) At most one running copy of each non-global unit, beyond explained overlap: a move (the
 * move slack after the new copy starts), a fault of the older copy's machine that isolates it or
 * holds back its watch events (until its `extendsMs` + TTL + slack after its heal: a watch that
 * lost events is repaired only by the next re-list), or slow stops there (until the
 * stop delay + move slack after).
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
            else if (FAULTS[f.kind].isolates || FAULTS[f.kind].delaysWatches) {
              cover.push({
                from: f.from,
                to: healed(f, end) + (f.extendsMs ?? 0) + o.ttlMs + o.slackMs,
              });
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
