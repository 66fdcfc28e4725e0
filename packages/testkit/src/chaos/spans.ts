// Half-open time spans [from, to) and the few set operations the invariants need.

export interface Span {
  readonly from: number;
  readonly to: number;
}

/** Sorted, disjoint spans covering the same time as `spans` (empty ones dropped). */
export function union(spans: readonly Span[]): Span[] {
  const sorted = spans.filter((s) => s.to > s.from).sort((a, b) => a.from - b.from);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && s.from <= last.to)
      out[out.length - 1] = { from: last.from, to: Math.max(last.to, s.to) };
    else out.push(s);
  }
  return out;
}

/** The parts of `a` not covered by any of `cover`. */
export function subtract(a: Span, cover: readonly Span[]): Span[] {
  const out: Span[] = [];
  let from = a.from;
  for (const c of union(cover)) {
    if (c.to <= from) continue;
    if (c.from >= a.to) break;
    if (c.from > from) out.push({ from, to: c.from });
    from = Math.max(from, c.to);
    if (from >= a.to) break;
  }
  if (from < a.to) out.push({ from, to: a.to });
  return out;
}

/** The time both `a` and `b` cover. */
export function intersect(a: readonly Span[], b: readonly Span[]): Span[] {
  const out: Span[] = [];
  const ua = union(a);
  const ub = union(b);
  for (const x of ua)
    for (const y of ub) {
      const from = Math.max(x.from, y.from);
      const to = Math.min(x.to, y.to);
      if (to > from) out.push({ from, to });
    }
  return union(out);
}

export const length = (spans: readonly Span[]): number =>
  spans.reduce((n, s) => n + (s.to - s.from), 0);
