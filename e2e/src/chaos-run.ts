// A chaos run on a real cluster: rounds of (workload on, fault or two overlapping, heal,
// workload off, wait until fleet agrees with itself and with systemd, check every invariant of
// testkit's chaos suite on the history so far). Shared by the CI smoke test and `npm run chaos`.
import {
  checkAll,
  faultWindows,
  waitFor,
  type InvariantOptions,
  type Violation,
} from '@fleet/testkit';
import { mono } from './chaos-clock.js';
import { HEARTBEAT_OPEN_MS } from './chaos-heartbeats.js';
import { Rng } from './chaos-rng.js';
import { SLOW_STOP_MS, Workload, placeable } from './chaos-workload.js';
import type { Cluster } from './cluster.js';
import { fleetConsistent } from './faults.js';
import { ChaosRecording } from './history.js';
import { Nemesis, NEMESIS_OPS, type Applied, type NemesisOp } from './nemesis.js';

export interface ChaosOptions {
  readonly seed: number;
  readonly rounds: number;
  /** The cluster's agent_ttl in ms (faults last 1 s .. 3×TTL). */
  readonly ttlMs: number;
  /** Chance that a round overlaps a second fault (default 0.2). */
  readonly overlap?: number;
  /** How long a round may take to settle before its state is judged as it is (default 60 s). */
  readonly settleTimeoutMs?: number;
  /** One-copy with no allowance for isolated machines (F7's partition duplicates count). */
  readonly strict?: boolean;
  readonly ops?: readonly NemesisOp[];
  readonly log?: (line: string) => void;
}

export interface RoundReport {
  readonly round: number;
  readonly ops: readonly NemesisOp[];
  readonly faultMs: number;
  /** From the last heal until fleet agreed with systemd; undefined if it never did. */
  readonly settleMs: number | undefined;
  readonly roundMs: number;
  readonly violations: readonly Violation[];
}

export interface ChaosReport {
  readonly seed: number;
  readonly rounds: readonly RoundReport[];
  readonly injected: ReadonlyMap<NemesisOp, number>;
  readonly violations: readonly (Violation & { round: number })[];
  readonly writes: { ok: number; error: number; unknown: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The invariant options for a cluster with this TTL (see the report for each slack's reason). */
export function invariantOptions(ttlMs: number, strict: boolean): InvariantOptions {
  return {
    ttlMs,
    // The review's reconnect slack, plus the agent's 5 s reconcile pass that acts on it.
    slackMs: 5_000 + 5_000,
    // A move: the old host's stop and the new host's start are independent (fleet's design):
    // the agents' reaction difference, the slowest unit's stop, and a heartbeat each side.
    moveSlackMs: 2_000 + SLOW_STOP_MS + 400,
    // F9 fixed: none really; two heartbeats of observation granularity.
    conflictSlackMs: 400,
    // 3 × engine_reconcile_interval (2 s), plus a second of sampling each side.
    stuckMs: 8_000,
    // A placeable unit: a TTL (its machine's lease) plus ten engine intervals.
    placeMs: ttlMs + 20_000,
    settleMs: 0,
    ...(strict ? { strict: true } : {}),
  };
}

export class ChaosRun {
  readonly rng: Rng;
  readonly recording: ChaosRecording;
  readonly nemesis: Nemesis;
  readonly workload: Workload;
  private readonly reported = new Set<string>();
  private readonly out: RoundReport[] = [];
  private readonly found: (Violation & { round: number })[] = [];

  private constructor(
    private readonly c: Cluster,
    private readonly opts: ChaosOptions,
    recording: ChaosRecording,
  ) {
    this.rng = new Rng(opts.seed);
    this.recording = recording;
    this.nemesis = new Nemesis(c, recording, this.rng, opts.ops ?? NEMESIS_OPS);
    this.workload = new Workload(c, recording, this.rng);
  }

  static async start(c: Cluster, opts: ChaosOptions): Promise<ChaosRun> {
    return new ChaosRun(c, opts, await ChaosRecording.start(c, placeable));
  }

  private log(line: string): void {
    this.recording.note(line);
    this.opts.log?.(line);
  }

  /** A few writes before the first fault, so that there is something to break. */
  async warmUp(steps = 6): Promise<void> {
    for (let i = 0; i < steps; i++) await this.workload.step();
    await this.settle();
  }

  /** Runs every round; returns the report (violations included, never thrown). */
  async run(): Promise<ChaosReport> {
    for (let r = 1; r <= this.opts.rounds; r++) await this.round(r);
    return this.report();
  }

  report(): ChaosReport {
    return {
      seed: this.opts.seed,
      rounds: [...this.out],
      injected: new Map(this.nemesis.injected),
      violations: [...this.found],
      writes: { ...this.workload.counts },
    };
  }

  /** Plays round `n`; its report is also kept for {@link report}. */
  async round(n: number): Promise<RoundReport> {
    const t0 = mono();
    const maxFault = 3 * this.opts.ttlMs;
    this.workload.resume();
    await sleep(this.rng.int(300, 1_500));
    const faults: { applied: Applied; until: number }[] = [];
    const add = async (op?: NemesisOp) => {
      const applied = await this.nemesis.apply(op);
      faults.push({ applied, until: mono() + this.rng.int(1_000, maxFault) });
    };
    try {
      await add();
      if (this.rng.chance(this.opts.overlap ?? 0.2) && this.nemesis.possible().length > 0) {
        await sleep(this.rng.int(0, 3_000));
        await add(this.rng.pick(this.nemesis.possible()));
      }
    } catch (err) {
      this.log(`round ${n}: applying a fault failed: ${(err as Error).message}`);
    }
    for (const f of [...faults].sort((a, b) => a.until - b.until)) {
      const left = f.until - mono();
      if (left > 0) await sleep(left);
      await this.nemesis.heal(f.applied).catch((err: unknown) => {
        this.log(`round ${n}: healing ${f.applied.op} failed: ${(err as Error).message}`);
      });
    }
    await this.nemesis.healAll();
    const healedAt = mono();
    await this.workload.pause();
    const settled = await this.settle();
    const settleMs = settled === undefined ? undefined : mono() - healedAt;
    const violations = await this.check(n);
    const report: RoundReport = {
      round: n,
      ops: faults.map((f) => f.applied.op),
      faultMs: Math.round(healedAt - t0),
      settleMs: settleMs === undefined ? undefined : Math.round(settleMs),
      roundMs: Math.round(mono() - t0),
      violations,
    };
    this.log(
      `round ${n}: ${report.ops.join(' + ') || 'no fault'}; settled in ` +
        `${settleMs === undefined ? 'never' : `${(settleMs / 1000).toFixed(1)} s`}; ` +
        `round ${(report.roundMs / 1000).toFixed(1)} s; ${violations.length} new violation(s)`,
    );
    for (const v of violations) this.log(`  VIOLATION ${v.invariant}: ${v.description}`);
    this.out.push(report);
    return report;
  }

  /**
   * Waits until fleet agrees with itself and with systemd (`fleetConsistent`: every launched unit
   * assigned and active where assigned, and only there), and until what really runs (the
   * heartbeats) is only that: no unit that is loaded, inactive or destroyed still runs anywhere.
   * Returns the time it took, or undefined if it did not within the deadline.
   */
  private async settle(): Promise<number | undefined> {
    const t = mono();
    const deadline = this.opts.settleTimeoutMs ?? 60_000;
    try {
      await fleetConsistent(this.c, { global: this.workload.globals, timeoutMs: deadline });
      await waitFor(() => this.strays(), {
        timeoutMs: Math.max(1_000, deadline - (mono() - t)),
        intervalMs: 200,
        what: 'no unit to run where it is not launched',
      });
      return mono() - t;
    } catch (err) {
      this.log(`did not settle: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** True when every unit that beats runs launched where it is assigned; throws otherwise. */
  private async strays(): Promise<true> {
    const [units, assigned] = await Promise.all([
      this.c.registry.listUnits(),
      this.c.registry.listAssignments(),
    ]);
    const launched = new Set(
      units.items.filter((u) => u.desiredState === 'launched').map((u) => u.name),
    );
    const at = new Set(assigned.items.map((a) => `${a.unit} ${a.machineId}`));
    const stray = this.recording.heartbeats
      .runs()
      .filter((r) => r.to === undefined)
      .filter((r) => !launched.has(r.unit) || !at.has(`${r.unit} ${r.machine}`));
    if (stray.length > 0)
      throw new Error(`still running: ${stray.map((r) => `${r.unit} on ${r.machine}`).join(', ')}`);
    return true;
  }

  /** Checks the history so far; returns the violations not reported in an earlier round. */
  private async check(round: number): Promise<Violation[]> {
    // Let the heartbeats of what runs now arrive, so that open runs are seen open; and read the
    // runs a heartbeat window after the final state, so that what had stopped by then is closed.
    await sleep(1_000);
    // A fault whose effects may outlast its heal (a stop delayed by D-Bus) settles only after.
    const windows = faultWindows(this.recording.recorder.history());
    const effectsEnd = Math.max(0, ...windows.map((w) => (w.to ?? 0) + (w.extendsMs ?? 0)));
    if (effectsEnd > mono()) {
      await sleep(effectsEnd - mono() + 100);
      await waitFor(() => this.strays(), { timeoutMs: 10_000, intervalMs: 200 }).catch(
        (err: unknown) => this.log(`after the faults' effects: ${(err as Error).message}`),
      );
    }
    const final = await this.recording.finalState();
    await sleep(HEARTBEAT_OPEN_MS + 300);
    const h = this.recording.history(final);
    const all = checkAll(h, invariantOptions(this.opts.ttlMs, this.opts.strict === true));
    const fresh = all.filter((v) => {
      const key = `${v.invariant} ${v.description}`;
      if (this.reported.has(key)) return false;
      this.reported.add(key);
      return true;
    });
    for (const v of fresh) this.found.push({ ...v, round });
    return fresh;
  }

  async stop(): Promise<void> {
    await this.workload.pause();
    await this.nemesis.healAll().catch(() => undefined);
    await this.recording.stop();
  }
}
