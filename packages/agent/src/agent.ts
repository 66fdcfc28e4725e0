import { isRegistryError, type MachineRecord, type MachineSession } from '@fleet/registry';
import { silentLogger, systemClock, type Clock, type Logger } from '@fleet/runtime';
import { adoptLaunched, planAgent, type AgentCurrent, type AgentTask } from '@fleet/scheduler';
import type { UnitState } from '@fleet/systemd';
import type { UnitOption } from '@fleet/unit';
import type { AgentMetrics, AgentOptions } from './agent-options.js';
import { AssignmentView } from './assignments.js';
import { RetryBackoff } from './backoff.js';
import { executeTasks, type TaskOutcome } from './executor.js';
import { GlobalUnits, selfFenceAt, unitsToFence } from './fence.js';
import { collectHealth } from './health.js';
import { LaunchedRecord } from './launched-record.js';
import { StatePublisher } from './publisher.js';
import { RefusedUnits } from './refused.js';

/** How soon a pass looks again at a start it put off while a conflicting unit stops. */
const DEFERRED_START_RECHECK_MS = 1_000;

export type { AgentMetrics, AgentOptions } from './agent-options.js';

/**
 * The agent of one machine: registers it under a lease, watches only its own assignments, runs
 * them in systemd (load, start, stop, unload), publishes their state when it changes, and keeps the
 * machine's health current. During an etcd outage it changes nothing in systemd; when the session
 * is lost it registers again and republishes. `stop({ drain: true })` (fleet's SIGTERM) stops and
 * unloads every unit and removes the machine.
 */
export class Agent {
  readonly metrics: AgentMetrics = {
    passes: 0,
    passFailures: 0,
    tasks: 0,
    taskFailures: 0,
    registrations: 0,
    assignmentChanges: 0,
  };
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly ttl: number;
  private readonly abort = new AbortController();
  private readonly view: AssignmentView;
  private readonly publisher: StatePublisher;
  /**
   * Units whose file the running plan writes or removes. Between the file change and the
   * daemon-reload, systemd's view is of neither content (a unit whose new file is not linked yet
   * shows `not-found`), and a client waiting on the new hash would take it as the new content's
   * state; so their changes are not published while the plan runs. The pass then reads and
   * publishes every state once.
   */
  private rewriting: ReadonlySet<string> = new Set();
  /**
   * Units this agent (or the fleetd before it on this machine, through the launched store) started
   * or adopted running, and has not stopped since.
   */
  private launched = new Set<string>();
  /** Keeps `launched` across fleetd restarts (in the launched store, if there is one). */
  private readonly launchedRecord: LaunchedRecord;
  /**
   * Launched units whose start job systemd has not finished yet: published as `loaded` until a
   * state without a `start` job shows, so `launched` + `inactive` means "ran and exited".
   */
  private readonly startPending = new Set<string>();
  /** Starts put off while a conflicting unit stops, and since when (executor's deferrals). */
  private readonly deferrals = new Map<string, number>();
  /** Units stopped by earlier plans that declare Conflicts=/Replaces=, until they stopped. */
  private readonly stoppingDeclared = new Map<string, readonly UnitOption[]>();
  private readonly backoff: RetryBackoff;
  /** Units systemd refused to load: not read again until their file changes. */
  private readonly refused = new RefusedUnits();
  /** Which unit files are global: learned while the registry answers, for the self-fence. */
  private readonly globals = new GlobalUnits();
  /** Self-fenced since the lease went unrenewed (reset once a renewal or registration shows). */
  private fenced = false;
  /** Units watched through the systemd port (those with a file in the units directory). */
  private watching = new Set<string>();
  private session: MachineSession | undefined;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** A debounced poke fired while the loop was busy: its next sleep returns at once. */
  private woken = false;
  private dirty = true;
  private debounce: (() => void) | undefined;
  private readonly startedAt: number;
  private lastOutageLog = -Infinity;
  private machineInfo: Omit<MachineRecord, 'health'>;

  constructor(private readonly opts: AgentOptions) {
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? silentLogger).child({
      component: 'agent',
      machine: opts.machine.id,
    });
    this.ttl = opts.ttlSeconds ?? 30;
    this.machineInfo = opts.machine;
    this.startedAt = this.clock.now();
    this.backoff = new RetryBackoff(opts.retryBackoff);
    this.launchedRecord = new LaunchedRecord(opts.launchedStore, this.log);
    this.view = new AssignmentView({
      registry: opts.registry,
      machineId: opts.machine.id,
      clock: this.clock,
      onChange: () => {
        this.metrics.assignmentChanges++;
        this.poke();
      },
      onError: (e) => this.outage(e),
      onRepair: (units) =>
        this.log.warn(
          { units },
          'assignments differed from a fresh listing; view repaired and its watch restarted',
        ),
      ...(opts.relistIntervalMs === undefined ? {} : { relistIntervalMs: opts.relistIntervalMs }),
      ...(opts.random === undefined ? {} : { random: opts.random }),
    });
    this.publisher = new StatePublisher(
      (e) => this.outage(e),
      this.clock,
      opts.publishDelayMs ?? 50,
    );
    opts.systemd.onChange((changes) => {
      for (const c of changes) if (!this.rewriting.has(c.name)) this.publish(c.name, c.state);
    });
  }

  get machineId(): string {
    return this.machineInfo.id;
  }

  /** The machine as registered (without health). */
  get machine(): Omit<MachineRecord, 'health'> {
    return this.machineInfo;
  }

  /** Units this agent launched (or adopted running), sorted. */
  launchedUnits(): string[] {
    return [...this.launched].sort();
  }

  /**
   * Changes what the machine record says (e.g. metadata after a SIGHUP) and writes it now.
   * The ID cannot change.
   */
  async updateMachine(patch: {
    publicIP?: string;
    metadata?: Readonly<Record<string, string>>;
  }): Promise<void> {
    this.machineInfo = { ...this.machineInfo, ...patch };
    await this.refreshHealth();
  }

  /**
   * True while the machine is registered under a live session (and its session is recorded in
   * the session store, if there is one).
   */
  get registered(): boolean {
    return this.session !== undefined && !this.session.signal.aborted;
  }

  /**
   * Whether passes may run: registered (a machine ID another live fleetd holds is never acted
   * on), the lease renewed within its TTL (it may have expired and the engine be moving the
   * units), the assignment view current (listed since the registration, its watch live), and
   * not self-fenced. Otherwise units are left as they are.
   */
  private mayAct(): boolean {
    const s = this.session;
    if (s === undefined || s.signal.aborted || this.fenced || !this.view.healthy) return false;
    return this.clock.monotonic() - s.lastRenewedAt() < this.ttl * 1000;
  }

  /** With `selfFence`: the lease (of the latest session, even a lost one) is due to be fenced. */
  private fenceDue(): boolean {
    const s = this.session;
    if (this.opts.selfFence !== true || s === undefined) return false;
    return this.clock.monotonic() >= selfFenceAt(s.lastRenewedAt(), this.ttl);
  }

  start(): void {
    this.running ??= this.run();
  }

  /**
   * Stops the agent. With `drain` (fleet's SIGTERM behaviour) every unit is stopped and unloaded
   * first and the machine leaves the cluster at once; without it units keep running and the
   * machine's lease is no longer renewed, so it expires after the TTL.
   */
  async stop({ drain = false }: { drain?: boolean } = {}): Promise<void> {
    this.abort.abort();
    this.wake?.();
    await this.running;
    await this.view.close();
    if (drain) await this.drain();
    else {
      await this.publisher.settled();
      this.session?.release(); // units keep running; the machine expires after its TTL
    }
  }

  /** Requests a pass soon (debounced). */
  poke(): void {
    this.dirty = true;
    if (this.debounce !== undefined) return;
    this.debounce = this.clock.setTimer(this.opts.debounceMs ?? 20, () => {
      this.debounce = undefined;
      // During a pass nobody sleeps: remember the poke, or it would wait a whole interval.
      if (this.wake !== undefined) this.wake();
      else this.woken = true;
    });
  }

  private async run(): Promise<void> {
    this.launched = await this.launchedRecord.restore();
    const signal = this.abort.signal;
    const interval = this.opts.reconcileIntervalMs ?? 5_000;
    let nextHealth = 0;
    let failedRegistrations = 0;
    while (!signal.aborted) {
      if (!this.registered) {
        if (await this.register()) {
          failedRegistrations = 0;
          nextHealth = this.clock.monotonic() + (this.opts.healthIntervalMs ?? 60_000);
          // List again before acting: deletes seen around a lost session (the engine moving the
          // units of a machine that had vanished) must not stop what the listing still assigns.
          this.view.refresh();
        } else failedRegistrations++;
      }
      if (signal.aborted) break;
      if (this.fenceDue()) await this.fence();
      else {
        if (this.fenced) this.log.info({}, 'machine lease renewed; self-fence lifted');
        this.fenced = false;
        if (this.dirty && this.mayAct()) {
          this.dirty = false;
          await this.pass();
        }
      }
      if (this.registered && this.clock.monotonic() >= nextHealth && !signal.aborted) {
        nextHealth = this.clock.monotonic() + (this.opts.healthIntervalMs ?? 60_000);
        await this.refreshHealth();
      }
      // Not registered: try again after 1 s, doubling up to the reconcile interval.
      const backoff = 1_000 * 2 ** Math.min(10, Math.max(0, failedRegistrations - 1));
      let wait = this.registered ? interval : Math.min(interval, backoff);
      const s = this.session;
      if (this.opts.selfFence === true && s !== undefined && !this.fenced)
        wait = Math.min(
          wait,
          Math.max(1, selfFenceAt(s.lastRenewedAt(), this.ttl) - this.clock.monotonic()),
        );
      await this.sleep(wait);
      this.dirty = true; // the periodic pass checks systemd against assignments
    }
  }

  /**
   * The self-fence: stops every running unit that is not global (or not known to be), keeping
   * its file, so the pass after the next registration starts it again if it is still assigned
   * here. Repeated on every loop while the lease stays unrenewed.
   */
  private async fence(): Promise<void> {
    const { systemd } = this.opts;
    const s = this.session;
    if (!this.fenced && s !== undefined) {
      this.fenced = true;
      this.log.warn(
        { silentMs: this.clock.monotonic() - s.lastRenewedAt(), ttlSeconds: this.ttl },
        'machine lease not renewed; self-fence: stopping every non-global unit (agent_self_fence)',
      );
    }
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
          this.log.warn({ unit }, 'self-fence: stopped unit');
        } catch (err) {
          this.log.warn({ unit, err }, 'self-fence: could not stop unit');
        }
      }
    } catch (err) {
      this.log.warn({ err }, 'self-fence failed');
    }
    await this.launchedRecord.record(this.launched);
  }

  /** One local pass: plan from assignments, unit files and systemd states; run; publish. */
  private async pass(): Promise<void> {
    const { systemd } = this.opts;
    try {
      const desired = this.view.desired();
      this.backoff.sync(desired);
      const assigned = new Map(desired.map((d) => [d.unit, d]));
      const files = await systemd.listUnitFiles();
      const names = files.map((f) => f.name);
      const hashes = new Map(files.map((f) => [f.name, f.hash]));
      this.refused.keepOnly(hashes);
      const states = await this.readStates(names, hashes);
      const current: AgentCurrent[] = files.map((f) => ({
        unit: f.name,
        hash: f.hash ?? '',
        activeState: states.get(f.name)?.active ?? 'inactive',
      }));
      const holdOff = this.backoff.held(this.clock.monotonic());
      const snapshot = { desired, current, launched: this.launched, holdOff };
      const tasks = planAgent(snapshot);
      this.launched = adoptLaunched(snapshot);
      for (const u of this.startPending) if (!this.launched.has(u)) this.startPending.delete(u);
      const outcomes = await this.runPlan(tasks);
      let deferred = false;
      for (const o of outcomes) {
        const t = o.task;
        if (o.error !== undefined) {
          this.metrics.taskFailures++;
          const d = assigned.get(t.unit);
          if ((t.kind === 'load' || t.kind === 'start') && d !== undefined && !retryable(o.error)) {
            // systemd refuses this unit: retrying every pass only floods its journal.
            const { failures, delayMs } = this.backoff.failed(d, this.clock.monotonic());
            this.log.warn(
              { task: t.kind, unit: t.unit, reason: t.reason, err: o.error, failures, delayMs },
              `task failed; next attempt in ${Math.round(delayMs / 1000)} s`,
            );
          } else {
            this.log.warn(
              { task: t.kind, unit: t.unit, reason: t.reason, err: o.error },
              'task failed',
            );
          }
          continue;
        }
        if (o.deferred === true) deferred = true;
        if (o.skipped === true) continue;
        this.metrics.tasks++;
        this.log.info({ task: t.kind, unit: t.unit, reason: t.reason }, 'applied task');
        if (t.kind === 'start') {
          this.launched.add(t.unit);
          this.startPending.add(t.unit);
          this.backoff.succeeded(t.unit);
        }
        if (t.kind === 'stop' || t.kind === 'unload') {
          this.launched.delete(t.unit);
          this.startPending.delete(t.unit);
        }
      }
      // A start put off while a conflicting unit stops: look again soon, not a whole interval on.
      if (deferred) this.clock.setTimer(DEFERRED_START_RECHECK_MS, () => this.poke());
      await this.launchedRecord.record(this.launched);
      let onDisk = files;
      if (tasks.length > 0) {
        // What the tasks changed: files and states are read again, once.
        onDisk = await systemd.listUnitFiles();
        const owned = new Set(onDisk.map((f) => f.name));
        this.watchOnly(owned);
        const fresh = await this.readStates(
          [...owned],
          new Map(onDisk.map((f) => [f.name, f.hash])),
        );
        this.publishAll(owned, fresh);
      } else {
        this.watchOnly(new Set(names));
        this.publishAll(new Set(names), states);
      }
      if (this.opts.selfFence === true)
        await this.globals.sync(onDisk, this.opts.registry).catch((e: unknown) => this.outage(e));
      this.metrics.passes++;
    } catch (err) {
      this.metrics.passFailures++;
      this.dirty = true;
      this.log.warn({ err }, 'agent pass failed');
    }
    await this.launchedRecord.record(this.launched);
  }

  /**
   * Watches exactly the units that have a file in the units directory: one whose file went away
   * (removed by the agent or by anyone else) is no longer polled.
   */
  private watchOnly(owned: ReadonlySet<string>): void {
    const gone = [...this.watching].filter((n) => !owned.has(n));
    if (gone.length > 0) this.opts.systemd.unwatch(gone);
    this.opts.systemd.watch([...owned]);
    this.watching = new Set(owned);
  }

  private publishAll(owned: ReadonlySet<string>, states: ReadonlyMap<string, UnitState>): void {
    for (const [name, s] of states) if (owned.has(name)) this.publish(name, s);
    for (const unit of this.publisher.units()) if (!owned.has(unit)) this.publisher.drop(unit);
  }

  /** The states of `names`; those of refused units whose file is unchanged are not read again. */
  private async readStates(
    names: readonly string[],
    fileHashes: ReadonlyMap<string, string | undefined>,
  ): Promise<Map<string, UnitState>> {
    const known = this.refused.known(names, fileHashes);
    const states = await this.opts.systemd.unitStates(names.filter((n) => !known.has(n)));
    for (const [n, s] of states) this.refused.note(n, s);
    for (const [n, s] of known) states.set(n, s);
    return states;
  }

  private publish(unit: string, state: UnitState): void {
    this.refused.note(unit, state);
    if (state.hash === undefined) {
      this.publisher.drop(unit);
      return;
    }
    let launched = this.launched.has(unit);
    if (launched && this.startPending.has(unit)) {
      if (state.job === 'start') launched = false;
      else this.startPending.delete(unit);
    }
    this.publisher.set(unit, state, launched);
  }

  /** Registers the machine; on a duplicate live machine ID or an outage, retries later. */
  private async register(): Promise<boolean> {
    try {
      const health = await this.health();
      const store = this.opts.sessionStore;
      const replacing = await store?.previous(this.machineId).catch(() => undefined);
      const session = await this.opts.registry.registerMachine(
        { ...this.machineInfo, health },
        this.ttl,
        replacing === undefined ? {} : { replacing },
      );
      if (replacing !== undefined) {
        this.log.info(
          { previousLease: replacing },
          'took over the machine from the previous fleetd',
        );
      }
      // Recorded before `registered` turns true (the API opens then): killed before the save, a
      // successor would find no session to take over and wait out this lease's TTL.
      await store?.save(this.machineId, session.leaseId).catch((err: unknown) => {
        this.log.warn({ err }, 'could not record the machine session');
      });
      this.session = session;
      this.metrics.registrations++;
      this.publisher.useSession(session);
      session.signal.addEventListener('abort', () => {
        if (this.abort.signal.aborted) return;
        this.log.warn({}, 'machine session lost; registering again');
        this.wake?.();
      });
      this.log.info({ publicIP: this.machineInfo.publicIP }, 'machine registered');
      return true;
    } catch (err) {
      if (isRegistryError(err, 'REGISTRY_MACHINE_EXISTS')) {
        this.log.error(
          { err },
          `machine ID ${this.machineId} is already registered by a live fleetd; retrying`,
        );
      } else this.outage(err);
      return false;
    }
  }

  private async refreshHealth(): Promise<void> {
    const s = this.session;
    if (s === undefined) return;
    try {
      await s.update({ ...this.machineInfo, health: await this.health() });
    } catch (err) {
      this.outage(err);
    }
  }

  private health() {
    return (this.opts.collectHealth ?? collectHealth)({
      version: this.machineInfo.version,
      startedAt: this.startedAt,
      now: () => this.clock.now(),
      systemState: this.opts.systemState ?? (() => this.opts.systemd.systemState()),
    });
  }

  /** Runs a plan; while it runs, changes of the units whose file it rewrites are held back. */
  private async runPlan(tasks: readonly AgentTask[]): Promise<TaskOutcome[]> {
    this.rewriting = new Set(
      tasks.filter((t) => t.kind === 'load' || t.kind === 'unload').map((t) => t.unit),
    );
    try {
      return await executeTasks(tasks, this.opts.systemd, this.opts.registry, {
        clock: this.clock,
        logger: this.log,
        deferrals: this.deferrals,
        stoppingDeclared: this.stoppingDeclared,
      });
    } finally {
      this.rewriting = new Set();
    }
  }

  /** Logs registry trouble at most once per TTL: an outage changes nothing here. */
  private outage(err: unknown): void {
    const now = this.clock.monotonic();
    if (now - this.lastOutageLog < this.ttl * 1000) return;
    this.lastOutageLog = now;
    this.log.warn({ err }, 'registry unreachable; keeping units as they are');
  }

  /** fleet's SIGTERM: stop and unload every unit, remove states, leave the cluster. */
  private async drain(): Promise<void> {
    const { systemd } = this.opts;
    try {
      const files = await systemd.listUnitFiles();
      const tasks = planAgent({
        desired: [],
        current: files.map((f) => ({ unit: f.name, hash: f.hash ?? '', activeState: 'active' })),
        launched: new Set(),
      });
      const outcomes = await this.runPlan(tasks);
      for (const o of outcomes) {
        if (o.error !== undefined)
          this.log.warn(
            { unit: o.task.unit, err: o.error },
            'could not unload unit while draining',
          );
        else {
          if (o.skipped !== true) this.launched.delete(o.task.unit);
          this.log.info({ task: o.task.kind, unit: o.task.unit }, 'drained');
        }
      }
    } catch (err) {
      this.log.warn({ err }, 'draining failed');
    }
    await this.launchedRecord.record(this.launched);
    for (const u of this.publisher.units()) this.publisher.drop(u);
    await this.publisher.settled();
    const left = await (this.session?.close() ?? Promise.resolve()).then(
      () => true,
      (err: unknown) => {
        this.log.warn(
          { err },
          'could not revoke the machine lease; the session file is kept so that a restarted fleetd takes it over',
        );
        return false;
      },
    );
    // Forgotten only once the lease is gone: otherwise the next fleetd would wait out its TTL.
    if (left) await this.opts.sessionStore?.clear().catch(() => undefined);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.abort.signal.aborted) return resolve();
      if (this.woken) {
        this.woken = false;
        return resolve();
      }
      const cancel = this.clock.setTimer(ms, () => {
        this.wake = undefined;
        resolve();
      });
      this.wake = () => {
        this.wake = undefined;
        cancel();
        resolve();
      };
    });
  }
}

/** Whether an error says the same call may succeed if simply repeated (an outage, a timeout). */
function retryable(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === true
  );
}
