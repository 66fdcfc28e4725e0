// Where the time of a pass goes, phase by phase, so that an operator can see what a start waits
// for (a debug line per pass that ran tasks, and running totals in the agent's metrics).
import type { Clock } from '@fleet/runtime';

/** The phases of a pass, in the order they happen. */
export const PHASES = [
  /** From the first assignment change seen to the pass starting (debounce, an earlier pass). */
  'wake',
  /** Listing the unit files and reading systemd's states, and planning. */
  'read',
  /** Reading the contents of the units the plan loads (one batched registry read). */
  'contents',
  /** Writing unit files into the units directory (summed over overlapping loads). */
  'write',
  /** `LinkUnitFiles`, and `EnableUnitFiles` for units with `[Install]` (summed likewise). */
  'link',
  /**
   * Deciding whether systemd needs a daemon-reload (`NeedDaemonReload`: the plan's check, plus the
   * per-unit checks before early starts, summed), and the reload.
   */
  'reload',
  /** Stop and unload jobs queued. */
  'stop',
  /**
   * The plan's `StartUnit` calls (they overlap), until systemd queued every start job; the starts
   * of new units made as soon as their own load is done are added one by one (see early-start.ts).
   */
  'start',
] as const;

export type Phase = (typeof PHASES)[number];

/** Milliseconds spent per phase. */
export type PhaseTimes = Record<Phase, number>;

export function noPhaseTimes(): PhaseTimes {
  return { wake: 0, read: 0, contents: 0, write: 0, link: 0, reload: 0, stop: 0, start: 0 };
}

/** Measures phases on a clock's monotonic time into a {@link PhaseTimes}. */
export class PhaseTimer {
  readonly times: PhaseTimes = noPhaseTimes();

  constructor(private readonly clock: Pick<Clock, 'monotonic'>) {}

  /** Runs `fn`, adding its duration to `phase`. */
  async time<T>(phase: Phase, fn: () => Promise<T>): Promise<T> {
    const t0 = this.clock.monotonic();
    try {
      return await fn();
    } finally {
      this.times[phase] += this.clock.monotonic() - t0;
    }
  }

  add(phase: Phase, ms: number): void {
    this.times[phase] += ms;
  }
}

/** Adds `times` into the running totals `into`. */
export function addPhaseTimes(into: PhaseTimes, times: Readonly<PhaseTimes>): void {
  for (const p of PHASES) into[p] += times[p];
}

/** The phases that took any time, rounded to 0.1 ms, for a log line. */
export function phaseFields(times: Readonly<PhaseTimes>): Partial<PhaseTimes> {
  const out: Partial<PhaseTimes> = {};
  for (const p of PHASES) if (times[p] > 0) out[p] = Math.round(times[p] * 10) / 10;
  return out;
}
