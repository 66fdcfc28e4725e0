// Conflicts= and Replaces= between the units a plan starts and the units of this machine: what a
// start must wait for (the executor starts a unit only once what it conflicts with has stopped).
import type { AgentTask } from '@fleet/scheduler';
import { fleetRequirements, matchGlob, type UnitOption } from '@fleet/unit';

/** Unit contents by hash, as read from the registry. */
export type Contents = ReadonlyMap<string, readonly UnitOption[]>;

/** Units the plan stops (a stop, or the stop of an unload). */
export function stoppedBy(tasks: readonly AgentTask[]): Set<string> {
  return new Set(tasks.flatMap((t) => (t.kind === 'unload' || t.kind === 'stop' ? [t.unit] : [])));
}

/** Conflicts= and Replaces= between the units this plan starts and the units of this machine. */
export class Relations {
  /** Units this plan stops. */
  readonly stopping: ReadonlySet<string>;
  /** Units with a file in the units directory before the plan ran. */
  readonly owned: ReadonlySet<string>;
  private readonly options = new Map<string, readonly UnitOption[]>();

  constructor(
    tasks: readonly AgentTask[],
    files: ReadonlyMap<string, string>,
    contents: Contents | Error,
    earlier: ReadonlyMap<string, readonly UnitOption[] | undefined> = new Map(),
  ) {
    this.stopping = new Set([...stoppedBy(tasks), ...earlier.keys()]);
    this.owned = new Set(files.keys());
    for (const [name, o] of earlier) if (o !== undefined) this.options.set(name, o);
    if (contents instanceof Error) return;
    for (const [name, hash] of files) {
      const o = contents.get(hash);
      if (o !== undefined) this.options.set(name, o);
    }
    for (const t of tasks) {
      if (t.kind !== 'load') continue;
      const o = contents.get(t.hash);
      if (o !== undefined) this.options.set(t.unit, o);
    }
  }

  /**
   * The units of this machine that may not run together with `unit`: either one's Conflicts= or
   * Replaces= globs match the other. If `unit`'s own contents are unknown, every unit this plan
   * stops counts (a wait for a unit that stops anyway costs only its stop time); so does a unit
   * this plan (or an earlier one) stops whose own contents are unknown: a destroyed unit's
   * contents leave the registry with it, and its Conflicts= may name `unit`.
   */
  conflicting(unit: string): string[] {
    const mine = this.globs(unit);
    if (mine === undefined) return [...this.stopping].filter((n) => n !== unit);
    const candidates = new Set([...this.stopping, ...this.owned]);
    for (const g of mine) if (!/[*?[\\]/.test(g)) candidates.add(g);
    const out: string[] = [];
    for (const c of candidates) {
      if (c === unit) continue;
      const theirs = this.globs(c);
      const theyExclude =
        theirs === undefined ? this.stopping.has(c) : theirs.some((g) => matchGlob(g, unit));
      if (theyExclude || mine.some((g) => matchGlob(g, c))) out.push(c);
    }
    return out.sort();
  }

  /** Whether `unit` declares Conflicts= or Replaces= (or its contents are unknown). */
  declares(unit: string): boolean {
    const mine = this.globs(unit);
    return mine === undefined || mine.length > 0;
  }

  /** The options of `unit`, if known. */
  optionsOf(unit: string): readonly UnitOption[] | undefined {
    return this.options.get(unit);
  }

  private globs(unit: string): string[] | undefined {
    const o = this.options.get(unit);
    if (o === undefined) return undefined;
    const r = fleetRequirements(unit, o);
    return [...r.conflicts, ...r.replaces];
  }
}
