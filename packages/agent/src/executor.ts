import type { AgentStore } from '@fleet/registry';
import { mapBounded, silentLogger, systemClock, type Clock, type Logger } from '@fleet/runtime';
import type { AgentTask } from '@fleet/scheduler';
import type { Systemd, SystemdUnitStatus } from '@fleet/systemd';
import type { UnitOption } from '@fleet/unit';
import { earlyStarts } from './early-start.js';
import { PhaseTimer, type Phase } from './phases.js';
import { TaskRunner } from './task-run.js';
import { Relations, stoppedBy, type Contents } from './relations.js';

/** What happened to one task. */
export interface TaskOutcome {
  readonly task: AgentTask;
  readonly error?: unknown;
  /** Not run because an earlier task of the same unit failed, or deferred. */
  readonly skipped?: boolean;
  /**
   * A start put off because a conflicting or replaced unit of this machine is still stopping:
   * the pass goes on without waiting, and a later pass starts it (see {@link ExecutorOptions}).
   */
  readonly deferred?: boolean;
  /**
   * A start that systemd answered "no such unit" after this plan had skipped its daemon-reload
   * (none was needed, by systemd's own account): it reloaded and started again.
   */
  readonly reloadedFirst?: boolean;
}

/** How {@link executeTasks} waits for conflicting units to stop. Every field has a default. */
export interface ExecutorOptions {
  /** Timers for the wait's bound and its re-reads (default: real time). */
  readonly clock?: Clock;
  readonly logger?: Logger;
  /**
   * How long a start waits for a conflicting or replaced unit of this machine to finish stopping
   * before it starts anyway (default 90 s, systemd's `DefaultTimeoutStopSec`).
   */
  readonly stopWaitMs?: number;
  /** The wait re-reads the stopping units this often, besides on every change (default 1 s). */
  readonly stopPollMs?: number;
  /**
   * Kept by the caller across passes: when each deferred start was first put off (monotonic ms).
   * A start put off for {@link stopWaitMs} runs anyway, logged.
   */
  readonly deferrals?: Map<string, number>;
  /**
   * Kept by the caller across passes: units stopped by earlier plans that declare `Conflicts=`
   * or `Replaces=` (or whose contents are unknown), with their options, until systemd reports
   * them stopped. Their files are gone, so without this a later plan could start a unit their
   * globs match while they still run.
   */
  readonly stoppingDeclared?: Map<string, readonly UnitOption[] | undefined>;
  /**
   * Kept by the caller across passes: the contents of the unit files of this machine, by hash,
   * as last read. A destroyed unit's contents leave the registry with it; its `Conflicts=` and
   * `Replaces=` stay known here while its file is in the units directory.
   */
  readonly knownContents?: Map<string, readonly UnitOption[]>;
  /** Where the time goes: each phase's duration is added here (see phases.ts). */
  readonly timer?: PhaseTimer;
}

/** Loads or starts in flight at once (DbusSystemd caps calls in flight at 16 too). */
const CONCURRENCY = 16;

/** The phase a group of overlapping tasks is timed as (loads time their write and link). */
const GROUP_PHASE: Partial<Record<AgentTask['kind'], Phase>> = {
  start: 'start',
  stop: 'stop',
  unload: 'stop',
};

/** systemd's default `TimeoutStopSec`: a stop job that takes longer is killed by systemd. */
export const DEFAULT_STOP_WAIT_MS = 90_000;

/**
 * Runs an agent plan against systemd, in order. A failed task skips the later tasks of its unit
 * (no start after a failed load) but not those of other units; the next pass retries.
 *
 * `StopUnit` resolves when systemd has *queued* the stop job, so a unit that `Conflicts=` with or
 * `Replaces=` a unit of this machine that is still stopping is started only once that unit is
 * inactive or failed (or after {@link ExecutorOptions.stopWaitMs}, logged): the two never run
 * together here (reliability review F9). A plan that stops a unit which itself declares
 * `Conflicts=` or `Replaces=` also ends only once it stopped, so that a later plan cannot start a
 * unit its globs match (the file, and so its name, is gone by then).
 */
export async function executeTasks(
  tasks: readonly AgentTask[],
  systemd: Systemd,
  registry: Pick<AgentStore, 'getContentsMany'>,
  opts: ExecutorOptions = {},
): Promise<TaskOutcome[]> {
  const failed = new Set<string>();
  const out: TaskOutcome[] = [];
  const starts = tasks.some((t) => t.kind === 'start');
  const stops = tasks.some((t) => t.kind === 'unload' || t.kind === 'stop');
  // Read before any task runs: an unload removes the file (and so the hash) of what it stops.
  const files = starts || stops ? await fileHashes(systemd) : new Map<string, string>();
  const clock = opts.clock ?? systemClock;
  const timer = opts.timer ?? new PhaseTimer(clock);
  const contents = await timer.time('contents', () =>
    readContents(tasks, registry, relationHashes(tasks, files)),
  );
  const earlier = opts.stoppingDeclared ?? new Map<string, readonly UnitOption[] | undefined>();
  await forgetStopped(earlier, systemd);
  const known = starts || stops ? remembered(contents, files, opts) : contents;
  const relations = new Relations(tasks, files, known, earlier);
  const deferrals = opts.deferrals ?? new Map<string, number>();
  const planned = new Set(tasks.flatMap((t) => (t.kind === 'start' ? [t.unit] : [])));
  for (const u of deferrals.keys()) if (!planned.has(u)) deferrals.delete(u);
  const runner = new TaskRunner(systemd, contents, timer);
  // New units start as soon as their own load is done (see early-start.ts); their outcomes wait
  // here for the start's place in the plan. The rest start after the reload, as before.
  const early = earlyStarts(tasks, contents);
  const startedEarly = new Map<string, TaskOutcome>();
  const startTasks = new Map(tasks.flatMap((t) => (t.kind === 'start' ? [[t.unit, t]] : [])));
  const one = async (task: AgentTask): Promise<TaskOutcome> => {
    if (task.kind !== 'reload' && failed.has(task.unit)) return { task, skipped: true };
    try {
      if (task.kind === 'start') {
        const waiting = await stillStopping(relations.conflicting(task.unit), relations, systemd);
        if (waiting.length > 0) {
          const since = deferrals.get(task.unit) ?? clock.monotonic();
          deferrals.set(task.unit, since);
          const limit = opts.stopWaitMs ?? DEFAULT_STOP_WAIT_MS;
          if (clock.monotonic() - since < limit) return { task, skipped: true, deferred: true };
          (opts.logger ?? silentLogger).warn(
            { stopping: waiting, waitedMs: clock.monotonic() - since },
            `${waiting.join(', ')} still stopping after ${Math.round(limit / 1000)} s; starting ${task.unit} anyway`,
          );
        }
        deferrals.delete(task.unit);
      }
      if (task.kind === 'reload') {
        // Only what systemd holds in memory from a changed file needs one: a new file is read
        // when its unit is first used (see Systemd.needDaemonReload).
        const checked = new Set(startedEarly.keys());
        const reloaded = await timer.time('reload', () => runner.reloadIfNeeded(tasks, checked));
        return reloaded ? { task } : { task, skipped: true };
      }
      const reloadedFirst = await runner.task(task);
      return reloadedFirst ? { task, reloadedFirst } : { task };
    } catch (error) {
      if (task.kind !== 'reload') failed.add(task.unit);
      return { task, error };
    }
  };
  for (let i = 0; i < tasks.length;) {
    const task = tasks[i] as AgentTask;
    if (task.kind === 'reload') {
      out.push(await one(task));
      i++;
      continue;
    }
    // Consecutive tasks of one kind (loads, unloads, stops, starts) overlap: each call returns
    // once systemd has linked the file or queued the job, so a hundred units wait for systemd in
    // parallel, not one round trip after another. The reload stays a barrier between them.
    let end = i;
    while (tasks[end]?.kind === task.kind) end++;
    const group = tasks.slice(i, end);
    const each = async (t: AgentTask): Promise<TaskOutcome> => {
      if (t.kind === 'start') {
        const done = startedEarly.get(t.unit);
        if (done !== undefined) return done;
      }
      const o = await one(t);
      if (t.kind === 'load' && o.error === undefined && early.has(t.unit)) {
        const ready = await timer
          .time('reload', () => runner.readyWithoutReload(t.unit))
          .catch(() => false); // asked again at the plan's reload
        const start = startTasks.get(t.unit);
        if (ready && start !== undefined)
          startedEarly.set(t.unit, await timer.time('start', () => one(start)));
      }
      return o;
    };
    const runGroup = () => mapBounded(group, CONCURRENCY, each);
    const phase = GROUP_PHASE[task.kind];
    out.push(...(await (phase === undefined ? runGroup() : timer.time(phase, runGroup))));
    i = end;
  }
  for (const u of relations.stopping) {
    const o = relations.optionsOf(u);
    // Unknown contents (a destroyed unit's, after a restart) count as declaring: see Relations.
    if (!failed.has(u) && relations.declares(u)) earlier.set(u, o);
  }
  return out;
}

/**
 * `contents` with what {@link ExecutorOptions.knownContents} holds for the files of this machine
 * that the registry no longer has; the cache is then what both say of those files.
 */
function remembered(
  contents: Contents | Error,
  files: ReadonlyMap<string, string>,
  opts: ExecutorOptions,
): Contents | Error {
  const cache = opts.knownContents;
  if (cache === undefined || contents instanceof Error) return contents;
  const onDisk = new Set(files.values());
  const out = new Map(contents);
  for (const [hash, o] of cache) if (onDisk.has(hash) && !out.has(hash)) out.set(hash, o);
  cache.clear();
  for (const [hash, o] of out) cache.set(hash, o);
  return out;
}

/** Drops the units of `earlier` that systemd no longer reports running or stopping. */
async function forgetStopped(
  earlier: Map<string, readonly UnitOption[] | undefined>,
  systemd: Systemd,
): Promise<void> {
  if (earlier.size === 0) return;
  const states = await systemd.unitStates([...earlier.keys()]).catch(() => undefined);
  if (states === undefined) return;
  for (const u of [...earlier.keys()]) {
    const s = states.get(u);
    if (s === undefined || !NOT_STOPPED.has(s.active)) earlier.delete(u);
  }
}

/** Which of `names` have not finished stopping (systemd says so now). */
async function stillStopping(
  names: readonly string[],
  relations: Relations,
  systemd: Systemd,
): Promise<string[]> {
  if (names.length === 0) return [];
  const states = await systemd.unitStates(names);
  return names.filter((n) => stopping(n, states.get(n), relations));
}

/**
 * The contents of every unit the plan loads, read together before any task runs: read one by one
 * inside the tasks, a machine given many units waits a round trip per unit. If the read fails,
 * every load of this plan fails with that error (the next pass retries).
 */
async function readContents(
  tasks: readonly AgentTask[],
  registry: Pick<AgentStore, 'getContentsMany'>,
  more: readonly string[],
): Promise<Contents | Error> {
  const loads = tasks.flatMap((t) => (t.kind === 'load' ? [t.hash] : []));
  const hashes = [...new Set([...loads, ...more])];
  if (hashes.length === 0) return new Map();
  return registry
    .getContentsMany(hashes)
    .catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
}

/** The hash of each unit file in the units directory; empty if they cannot be listed. */
async function fileHashes(systemd: Systemd): Promise<Map<string, string>> {
  const files = await systemd.listUnitFiles().catch(() => []);
  const out = new Map<string, string>();
  for (const f of files) if (f.hash !== undefined) out.set(f.name, f.hash);
  return out;
}

/**
 * The contents needed to know the relations of the plan's starts: those of the started units
 * already loaded (a started unit loaded by this plan has its load's hash) and of the stopped ones.
 */
function relationHashes(tasks: readonly AgentTask[], files: ReadonlyMap<string, string>): string[] {
  const names = new Set(stoppedBy(tasks));
  for (const t of tasks) if (t.kind === 'start') names.add(t.unit);
  const out: string[] = [];
  for (const n of names) {
    const h = files.get(n);
    if (h !== undefined) out.push(h);
  }
  return out;
}

/** Active states of a unit that has not finished stopping. */
const NOT_STOPPED = new Set(['active', 'activating', 'deactivating', 'reloading']);

/**
 * Whether `unit` should be waited for: it has not finished stopping and is on its way down (this
 * plan stops it, or systemd runs or queued its stop job). A conflicting unit that is simply
 * running, which the engine never places together, is not waited for: nothing would stop it.
 */
function stopping(unit: string, s: SystemdUnitStatus | undefined, relations: Relations): boolean {
  if (s === undefined || !NOT_STOPPED.has(s.active)) return false;
  return relations.stopping.has(unit) || s.active === 'deactivating' || s.job === 'stop';
}
