// (h) bounded resources: caller-supplied samples against caller-supplied bounds.
import { at, type History } from './history.js';
import type { InvariantOptions, Violation } from './rules.js';

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
