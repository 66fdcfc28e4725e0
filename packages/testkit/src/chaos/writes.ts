// (b) no acknowledged write lost: each unit's desired state is a register.
import { at, type History } from './history.js';
import type { Violation } from './rules.js';

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
