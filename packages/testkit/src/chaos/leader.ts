// (c) every assignment write inside its writer's term, and a leader that keeps scheduling.
import { at, faultWindows, historyEnd, type History } from './history.js';
import { fmtMs, healed, type InvariantOptions, type Violation } from './rules.js';
import { intersect, subtract, union, type Span } from './spans.js';
import { FAULTS } from './vocabulary.js';

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
 * (c) The leader-key holder keeps scheduling: while it holds the key, and no fault that isolates
 * its machine or delays its watches, nor a fault of etcd itself, excuses it (until TTL + slack
 * after the heal), pending work may not wait longer than `stuckMs` without a pass of that term,
 * and a placeable unit may not stay unplaced longer than `placeMs`.
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
            ((FAULTS[f.kind].isolates || FAULTS[f.kind].delaysWatches) && f.machine === t.holder) ||
            FAULTS[f.kind].scope === 'etcd-member',
        )
        .map((f) => ({
          from: f.from,
          to: healed(f, end) + (f.extendsMs ?? 0) + o.ttlMs + o.slackMs,
        })),
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
