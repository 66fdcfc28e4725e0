// What the agent keeps of its own machine between passes, and the reads and plans every action
// shares: the units it launched, the states it publishes (held back while a plan rewrites files),
// the units systemd refused, and the self-fence and the drain, which act without assignments.
import type { AgentStore } from '@fleet/registry';
import type { Clock, Logger } from '@fleet/runtime';
import { planAgent, taskUnit, type AgentTask } from '@fleet/scheduler';
import type { Systemd, SystemdUnitStatus, UnitStatusChange } from '@fleet/systemd';
import type { UnitOption } from '@fleet/unit';
import type { RetryBackoff } from './backoff.js';
import { executeTasks, type TaskOutcome } from './executor.js';
import type { HealthChecks } from './health-checks.js';
import type { PhaseTimer } from './phases.js';
import { GlobalUnits, unitsToFence } from './fence.js';
import type { LaunchedRecord } from './launched-record.js';
import type { StatePublisher } from './publisher.js';
import { RefusedUnits } from './refused.js';
import type { UnitEvents } from './events.js';

/** What {@link LocalUnits} acts through. */
export interface LocalDeps {
  readonly systemd: Systemd;
  readonly store: AgentStore;
  readonly clock: Clock;
  readonly log: Logger;
  readonly publisher: StatePublisher;
  readonly launchedRecord: LaunchedRecord;
  /** Per-unit retry backoff of loads and starts systemd refused. */
  readonly backoff: RetryBackoff;
  /** The health checks of active units: told every state published (and every unit dropped). */
  readonly healthChecks?: HealthChecks;
  /** Turns observed state changes into cluster events (absent: none). */
  readonly events?: UnitEvents;
}

export class LocalUnits {
  /**
   * Units this agent (or the fleetd before it on this machine, through the launched store) started
   * or adopted running, and has not stopped since.
   */
  launched = new Set<string>();
  /**
   * Launched units whose start job systemd has not finished yet: published as `loaded` until a
   * state without a `start` job shows, so `launched` + `inactive` means "ran and exited".
   */
  readonly startPending = new Set<string>();
  /** Per-unit retry backoff of loads and starts systemd refused (kept across passes). */
  readonly backoff: RetryBackoff;
  /** Units systemd refused to load: not read again until their file changes. */
  readonly refused = new RefusedUnits();
  /** Which unit files are global: learned while the registry answers, for the self-fence. */
  readonly globals = new GlobalUnits();
  /**
   * Units whose file the running plan writes or removes. Between the file change and the
   * daemon-reload, systemd's view is of neither content (a unit whose new file is not linked yet
   * shows `not-found`), and a client waiting on the new hash would take it as the new content's
   * state; so their changes are not published while the plan runs. The pass then reads and
   * publishes every state once.
   */
  private rewriting: ReadonlySet<string> = new Set();
  /** Starts put off while a conflicting unit stops, and since when (executor's deferrals). */
  private readonly deferrals = new Map<string, number>();
  /** Units stopped by earlier plans that declare Conflicts=/Replaces=, until they stopped. */
  private readonly stoppingDeclared = new Map<string, readonly UnitOption[] | undefined>();
  /** Contents of this machine's unit files by hash, as last read (executor's knownContents). */
  private readonly knownContents = new Map<string, readonly UnitOption[]>();
  /** Units watched through the systemd port (those with a file in the units directory). */
  private watching = new Set<string>();

  constructor(readonly deps: LocalDeps) {
    this.backoff = deps.backoff;
  }

  /** Seeds {@link launched} from the launched store (once, at start). */
  async restore(): Promise<void> {
    this.launched = await this.deps.launchedRecord.restore();
  }

  /** Records {@link launched} in the launched store if it changed. */
  record(): Promise<void> {
    return this.deps.launchedRecord.record(this.launched);
  }

  /** systemd reported changes: published, unless a running plan rewrites the unit's file. */
  onSystemdChange(changes: readonly UnitStatusChange[]): void {
    for (const c of changes) if (!this.rewriting.has(c.name)) this.publish(c.name, c.state);
  }

  /** The states of `names`; those of refused units whose file is unchanged are not read again. */
  async readStates(
    names: readonly string[],
    fileHashes: ReadonlyMap<string, string | undefined>,
  ): Promise<Map<string, SystemdUnitStatus>> {
    const known = this.refused.known(names, fileHashes);
    const states = await this.deps.systemd.unitStates(names.filter((n) => !known.has(n)));
    for (const [n, s] of states) this.refused.note(n, s);
    for (const [n, s] of known) states.set(n, s);
    return states;
  }

  /** Runs a plan; while it runs, changes of the units whose file it rewrites are held back. */
  async runPlan(tasks: readonly AgentTask[], timer?: PhaseTimer): Promise<TaskOutcome[]> {
    this.rewriting = new Set(
      tasks.flatMap((t) => (t.kind === 'load' || t.kind === 'unload' ? [t.unit] : [])),
    );
    try {
      return await executeTasks(tasks, this.deps.systemd, this.deps.store, {
        clock: this.deps.clock,
        logger: this.deps.log,
        deferrals: this.deferrals,
        stoppingDeclared: this.stoppingDeclared,
        knownContents: this.knownContents,
        ...(timer === undefined ? {} : { timer }),
      });
    } finally {
      this.rewriting = new Set();
    }
  }

  /**
   * Watches exactly the units that have a file in the units directory, and publishes their
   * states: one whose file went away (removed by the agent or by anyone else) is no longer polled
   * and its state is removed.
   */
  own(owned: ReadonlySet<string>, states: ReadonlyMap<string, SystemdUnitStatus>): void {
    const { systemd, publisher } = this.deps;
    const gone = [...this.watching].filter((n) => !owned.has(n));
    if (gone.length > 0) systemd.unwatch(gone);
    systemd.watch([...owned]);
    this.watching = new Set(owned);
    for (const [name, s] of states) if (owned.has(name)) this.publish(name, s);
    for (const unit of publisher.units()) if (!owned.has(unit)) publisher.drop(unit);
    for (const unit of this.deps.healthChecks?.units() ?? [])
      if (!owned.has(unit)) this.deps.healthChecks?.forget(unit);
    this.deps.events?.keepOnly(owned);
  }

  private publish(unit: string, state: SystemdUnitStatus): void {
    this.refused.note(unit, state);
    this.deps.healthChecks?.observe(unit, state); // first: a unit no longer active loses its health
    if (state.hash === undefined) {
      this.deps.publisher.drop(unit);
      return;
    }
    this.deps.events?.observe(unit, state);
    let launched = this.launched.has(unit);
    if (launched && this.startPending.has(unit)) {
      if (state.job === 'start') launched = false;
      else this.startPending.delete(unit);
    }
    this.deps.publisher.set(unit, state, launched);
  }

  /**
   * The self-fence: stops every running unit that is not global (or not known to be), keeping
   * its file, so the pass after the next registration starts it again if it is still assigned
   * here. Repeated on every loop while the lease stays unrenewed.
   */
  async fence(): Promise<void> {
    const { systemd, log } = this.deps;
    try {
      const files = await systemd.listUnitFiles();
      const states = await this.readStates(
        files.map((f) => f.name),
        new Map(files.map((f) => [f.name, f.hash])),
      );
      for (const unit of unitsToFence(files, states, this.globals)) {
        try {
          await systemd.stop(unit);
          this.launched.delete(unit);
          this.startPending.delete(unit);
          log.warn({ unit }, 'self-fence: stopped unit');
        } catch (err) {
          log.warn({ unit, err }, 'self-fence: could not stop unit');
        }
      }
    } catch (err) {
      log.warn({ err }, 'self-fence failed');
    }
    await this.record();
  }

  /** fleet's SIGTERM, on this machine: stop and unload every unit, remove their states. */
  async drain(): Promise<void> {
    const { systemd, log, publisher } = this.deps;
    try {
      const files = await systemd.listUnitFiles();
      const tasks = planAgent({
        desired: [],
        current: files.map((f) => ({ unit: f.name, hash: f.hash, activeState: 'active' })),
        launched: new Set(),
      });
      for (const o of await this.runPlan(tasks)) {
        const unit = taskUnit(o.task);
        if (o.error !== undefined)
          log.warn({ unit, err: o.error }, 'could not unload unit while draining');
        else {
          if (o.skipped !== true && unit !== undefined) this.launched.delete(unit);
          if (unit !== undefined) this.deps.events?.unloaded(unit, 'fleetd is stopping');
          log.info({ task: o.task.kind, unit }, 'drained');
        }
      }
    } catch (err) {
      log.warn({ err }, 'draining failed');
    }
    await this.record();
    this.deps.events?.drained();
    for (const u of publisher.units()) publisher.drop(u);
    await publisher.settled();
  }
}
