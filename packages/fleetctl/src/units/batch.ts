// Batches of per-unit requests: run them concurrently with a bound (a command on N units costs
// O(N / BATCH_LIMIT) round trips of latency, not O(N)), and print each unit's lines in the order
// the units were given, as if they had run one after another.
import type { FleetClient, WireUnit } from '@fleet/client';
import { mapBounded } from '@fleet/runtime';
import type { Context } from '../cli/context.js';

/** Requests in flight at once for a batch of units. */
export const BATCH_LIMIT = 16;

/** From this many units on, one listing is read instead of each unit (and once per poll). */
export const LIST_FROM = 4;

export { mapBounded };

/** A settled promise, to decide in order after running out of order. */
export type Outcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly err: unknown };

/** Never rejects: the value or the error. */
export const settle = <T>(p: Promise<T>): Promise<Outcome<T>> =>
  p.then(
    (value) => ({ ok: true, value }) as const,
    (err: unknown) => ({ ok: false, err }) as const,
  );

/** One printed line, held back until the unit's turn. */
type Line = readonly ['out' | 'err' | 'debug', string];

/** A unit's lines, recorded through a Context whose out/err/debug are held back. */
export class HeldLines {
  private readonly lines: Line[] = [];
  /** `ctx` with out, err and debug recorded here. */
  readonly ctx: Context;

  constructor(readonly real: Context) {
    const record = (stream: Line[0]) => (line: string) => void this.lines.push([stream, line]);
    const own = { out: record('out'), err: record('err'), debug: record('debug') };
    // Everything else is the real context's, bound to it (its caches stay shared).
    this.ctx = new Proxy(real, {
      get(target, prop) {
        if (prop === 'out' || prop === 'err' || prop === 'debug') return own[prop];
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
  }

  /** Prints the recorded lines on the real context, in order. */
  flush(): void {
    for (const [stream, line] of this.lines.splice(0)) this.real[stream](line);
  }
}

/**
 * Each named unit (`undefined`: not in the cluster), or the error reading it: from LIST_FROM
 * units on, one listing of those units (`?names=`: a page per hundred of them, whatever the size
 * of the cluster) serves them all; below that, one GET each, concurrently.
 */
export async function readUnits(
  api: FleetClient,
  names: readonly string[],
): Promise<Outcome<WireUnit | undefined>[]> {
  if (names.length < LIST_FROM) {
    return mapBounded(names, BATCH_LIMIT, (name) => settle(api.getUnit(name)));
  }
  const all = await settle(api.listUnits({ names }));
  if (!all.ok) return names.map(() => all);
  const byName = new Map(all.value.map((u) => [u.name, u]));
  return names.map((name) => ({ ok: true, value: byName.get(name) }));
}
