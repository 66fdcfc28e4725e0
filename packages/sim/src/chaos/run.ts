// One chaos run: draw the schedule from the seed, run the world through it on the manual clock,
// heal, let it settle, and check the invariants of testkit/chaos on the recorded history.
import {
  checkAll,
  faultWindows,
  type FaultKind,
  type History,
  type InvariantOptions,
  type Violation,
} from '@fleet/testkit';
import { applyFault, type ActiveFault } from './nemesis.js';
import { Prng } from './prng.js';
import { drawSchedule, type Schedule } from './schedule.js';
import { TIMINGS } from './fleetd.js';
import { World } from './world.js';

/** Clock step between observations. */
export const STEP_MS = 100;
/** How long the run goes on after the last heal. */
export const SETTLE_MS = 90_000;

export interface RunResult {
  readonly seed: number;
  readonly schedule: Schedule;
  readonly history: History;
  readonly violations: readonly Violation[];
  /** Faults applied, by kind (a fault with nothing to hit is skipped). */
  readonly applied: Readonly<Partial<Record<FaultKind, number>>>;
  /** Clock time the run covered. */
  readonly simulatedMs: number;
}

/**
 * Timers armed at once in the whole simulated cluster: at most 37 were seen over 60 schedules
 * (a handful per fleetd); a loop leaking one timer per agent pass passes 150 within a run.
 */
export const ARMED_TIMERS_BOUND = 150;

export function invariantOptions(schedule: Schedule, strict = false): InvariantOptions {
  const maxStop = Math.max(...schedule.machines.map((m) => m.latency.stop));
  return {
    ttlMs: TIMINGS.agentTtlSeconds * 1000,
    // After the heal: held events arrive (chunks 100 ms apart), the agent's next pass runs.
    slackMs: TIMINGS.agentReconcileMs + 5_000,
    moveSlackMs: maxStop + 2_000 + STEP_MS,
    conflictSlackMs: STEP_MS,
    // Pending work: the leader passes on every change and at least at each resync.
    stuckMs: TIMINGS.engineResyncMs + 3 * TIMINGS.engineReconcileMs,
    // A plain unit: placed at the next pass (a new leader first waits out its machine grace).
    placeMs: TIMINGS.agentTtlSeconds * 1000 + 10 * TIMINGS.engineReconcileMs,
    settleMs: SETTLE_MS,
    bounds: { 'armed timers': ARMED_TIMERS_BOUND },
    ...(strict ? { strict } : {}),
  };
}

/** Runs the schedule of `seed`; `trace` receives every agent and engine log line. */
export function runSeed(
  seed: number,
  trace?: (line: string) => void,
  opts: RunOptions = {},
): Promise<RunResult> {
  return runSchedule(drawSchedule(seed), trace, opts);
}

export interface RunOptions {
  /** Check (a) without the partition allowance: the duplicates of F7 count. */
  readonly strict?: boolean;
}

/** Runs one schedule (drawn from a seed, or written by hand for a scenario). */
export async function runSchedule(
  schedule: Schedule,
  trace?: (line: string) => void,
  opts: RunOptions = {},
): Promise<RunResult> {
  const seed = schedule.seed;
  const world = new World(schedule.machines, new Prng(seed).fork('world'), trace);
  const start = world.clock.now();
  const applied: Partial<Record<FaultKind, number>> = {};
  try {
    world.start();
    type Due = { at: number; seq: number; run: () => void };
    const due: Due[] = [];
    let seq = 0;
    const healing: ActiveFault[] = [];
    for (const f of schedule.faults)
      due.push({
        at: f.at,
        seq: seq++,
        run: () => {
          const active = applyFault(world, f);
          if (active === undefined) return;
          applied[f.kind] = (applied[f.kind] ?? 0) + 1;
          due.push({ at: f.at + f.durationMs, seq: seq++, run: () => void healing.push(active) });
        },
      });
    for (const w of schedule.writes)
      due.push({
        at: w.at,
        seq: seq++,
        run: () => {
          if (w.op === 'create') world.write('create', w.unit, w.state);
          else if (w.op === 'destroy') world.write('destroy', w.name, 'absent');
          else world.write('set-state', w.name, w.state);
        },
      });
    let lastHeal = 0;
    let end = Infinity;
    for (let t = 0; t < end; t += STEP_MS) {
      due.sort((a, b) => a.at - b.at || a.seq - b.seq);
      while (due[0] !== undefined && due[0].at <= t) due.shift()?.run();
      for (let i = healing.length - 1; i >= 0; i--)
        if (healing[i]?.heal() === true) {
          healing.splice(i, 1);
          lastHeal = t;
        }
      if (t >= schedule.healedBy && due.length === 0 && healing.length === 0 && end === Infinity) {
        // Settle from when the last fault's effects may end (a lost watch event: the next re-list).
        const effects = faultWindows(world.recorder.history()).map(
          (w) => (w.to ?? 0) - start + (w.extendsMs ?? 0),
        );
        end = Math.max(t, lastHeal, ...effects) + SETTLE_MS;
      }
      await world.step(STEP_MS);
    }
    await world.finish();
    const history = world.recorder.history();
    return {
      seed,
      schedule,
      history,
      violations: checkAll(history, invariantOptions(schedule, opts.strict === true)),
      applied,
      simulatedMs: world.clock.now() - start,
    };
  } finally {
    await world.close();
  }
}

/** The command that replays one seed. */
export function replayCommand(seed: number): string {
  return `FLEET_CHAOS_SEED=${seed} npx vitest run --project unit packages/sim/src/chaos/chaos.test.ts`;
}

/** A failing run, readably: the seed, how to replay it, its faults and its violations. */
export function describeRun(r: RunResult): string {
  const lines = [
    `seed ${r.seed}: ${r.violations.length} violation(s); replay: ${replayCommand(r.seed)}`,
    `  machines: ${r.schedule.machines.map((m) => `${m.id.slice(0, 2)}… (start ${m.latency.start} ms, stop ${m.latency.stop} ms)`).join(', ')}`,
    ...windows(r).map((w) => `  fault ${w}`),
    ...r.violations.map((v) => `  ✗ [${v.invariant}] ${v.description}`),
  ];
  return lines.join('\n');
}

function windows(r: RunResult): string[] {
  const t = (ms: number) => `t+${((ms - r.history.start) / 1000).toFixed(1)}s`;
  const out: string[] = [];
  for (const e of r.history.faults)
    if (e.phase === 'apply') {
      const heal = r.history.faults.find((h) => h.id === e.id && h.phase === 'heal');
      out.push(
        `${e.kind} on ${e.target.slice(0, 8)} ${t(e.at)}–${heal === undefined ? 'never' : t(heal.at)}${e.detail === undefined ? '' : ` (${e.detail})`}`,
      );
    }
  return out;
}
