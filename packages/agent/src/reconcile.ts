// One local pass of the agent: read the view of its assignments, the unit files and systemd's
// states; plan; execute; publish. The loop decides when a pass may run (registered, lease renewed,
// view current); this file decides nothing about that.
import type { Assignment } from '@fleet/registry';
import { isRetryable } from '@fleet/runtime';
import { adoptLaunched, planAgent, type AgentCurrent } from '@fleet/scheduler';
import type { AgentMetrics } from './agent-options.js';
import type { TaskOutcome } from './executor.js';
import type { LocalUnits } from './local.js';
import { addPhaseTimes, phaseFields, PhaseTimer } from './phases.js';

/** What one pass did. */
export interface PassResult {
  /** The pass ran to its end (a failed task counts: the next pass retries it). */
  readonly ok: boolean;
  readonly outcomes: readonly TaskOutcome[];
  /** A start was put off while a conflicting unit stops: look again soon. */
  readonly deferred: boolean;
}

/** What a pass acts with, besides the machine's local state. */
export interface PassDeps {
  readonly metrics: AgentMetrics;
  /** With the self-fence on: learn which unit files are global while the registry answers. */
  readonly selfFence: boolean;
  /** Registry trouble (logged, rate-limited, by the caller). */
  readonly outage: (err: unknown) => void;
  /** How long the first change this pass acts on waited for it (ms), if a change woke it. */
  readonly wokenAfterMs?: number;
}

/** One local pass: plan from assignments, unit files and systemd states; run; publish. */
export async function reconcileOnce(
  local: LocalUnits,
  desired: readonly Assignment[],
  { metrics, selfFence, outage, wokenAfterMs }: PassDeps,
): Promise<PassResult> {
  const { systemd, clock, log, store } = local.deps;
  const { backoff } = local;
  let outcomes: TaskOutcome[] = [];
  let deferred = false;
  let ok = true;
  const timer = new PhaseTimer(clock);
  timer.add('wake', wokenAfterMs ?? 0);
  const readStarted = clock.monotonic();
  try {
    backoff.sync(desired);
    const assigned = new Map(desired.map((d) => [d.unit, d]));
    const files = await systemd.listUnitFiles();
    const names = files.map((f) => f.name);
    const hashes = new Map(files.map((f) => [f.name, f.hash]));
    local.refused.keepOnly(hashes);
    const states = await local.readStates(names, hashes);
    const current: AgentCurrent[] = files.map((f) => ({
      unit: f.name,
      hash: f.hash,
      activeState: states.get(f.name)?.active ?? 'inactive',
    }));
    const holdOff = backoff.held(clock.monotonic());
    const snapshot = { desired, current, launched: local.launched, holdOff };
    const tasks = planAgent(snapshot);
    local.launched = adoptLaunched(snapshot);
    for (const u of local.startPending) if (!local.launched.has(u)) local.startPending.delete(u);
    timer.add('read', clock.monotonic() - readStarted);
    local.deps.events?.planned(tasks);
    outcomes = await local.runPlan(tasks, timer);
    for (const o of outcomes) {
      const t = o.task;
      if (o.reloadedFirst === true) metrics.daemonReloads++;
      if (t.kind === 'reload') {
        if (o.error !== undefined) {
          metrics.taskFailures++;
          log.warn({ task: t.kind, reason: t.reason, err: o.error }, 'task failed');
        } else if (o.skipped === true) {
          metrics.daemonReloadsSkipped++;
          log.debug({ task: t.kind }, 'no daemon-reload needed: systemd holds no changed unit');
        } else {
          metrics.tasks++;
          metrics.daemonReloads++;
          log.info({ task: t.kind, reason: t.reason }, 'applied task');
        }
        continue;
      }
      if (o.error !== undefined) {
        metrics.taskFailures++;
        const d = assigned.get(t.unit);
        if ((t.kind === 'load' || t.kind === 'start') && d !== undefined && !isRetryable(o.error)) {
          // systemd refuses this unit: retrying every pass only floods its journal.
          const { failures, delayMs } = backoff.failed(d, clock.monotonic());
          log.warn(
            { task: t.kind, unit: t.unit, reason: t.reason, err: o.error, failures, delayMs },
            `task failed; next attempt in ${Math.round(delayMs / 1000)} s`,
          );
        } else {
          log.warn({ task: t.kind, unit: t.unit, reason: t.reason, err: o.error }, 'task failed');
        }
        continue;
      }
      if (o.deferred === true) deferred = true;
      if (o.skipped === true) continue;
      metrics.tasks++;
      log.info({ task: t.kind, unit: t.unit, reason: t.reason }, 'applied task');
      if (t.kind === 'start') {
        local.launched.add(t.unit);
        local.startPending.add(t.unit);
        backoff.succeeded(t.unit);
      }
      if (t.kind === 'unload') local.deps.events?.unloaded(t.unit, t.reason);
      if (t.kind === 'stop' || t.kind === 'unload') {
        local.launched.delete(t.unit);
        local.startPending.delete(t.unit);
      }
    }
    await local.record();
    let onDisk = files;
    if (tasks.length > 0) {
      // What the tasks changed: files and states are read again, once.
      onDisk = await systemd.listUnitFiles();
      const owned = new Set(onDisk.map((f) => f.name));
      const fresh = await local.readStates(
        [...owned],
        new Map(onDisk.map((f) => [f.name, f.hash])),
      );
      local.own(owned, fresh);
    } else local.own(new Set(names), states);
    if (selfFence) await local.globals.sync(onDisk, store).catch(outage);
    metrics.passes++;
    if (tasks.length > 0) {
      addPhaseTimes(metrics.phaseMs, timer.times);
      log.debug({ tasks: tasks.length, ms: phaseFields(timer.times) }, 'pass timings');
    }
  } catch (err) {
    metrics.passFailures++;
    ok = false;
    log.warn({ err }, 'agent pass failed');
  }
  await local.record();
  return { ok, outcomes, deferred };
}
