import type { MachineRecord } from '@fleet/registry';
import {
  seededRandom,
  silentLogger,
  systemClock,
  Trigger,
  type Clock,
  type Logger,
} from '@fleet/runtime';
import { newAgentMetrics, type AgentMetrics, type AgentOptions } from './agent-options.js';
import { AssignmentView } from './assignments.js';
import { RetryBackoff } from './backoff.js';
import { SelfFence } from './fence.js';
import { HealthChecks } from './health-checks.js';
import { LaunchedRecord } from './launched-record.js';
import { UnitEvents } from './events.js';
import { LocalUnits } from './local.js';
import { StatePublisher } from './publisher.js';
import { reconcileOnce } from './reconcile.js';
import { Registration } from './registration.js';

/** How soon a pass looks again at a start it put off while a conflicting unit stops. */
const DEFERRED_START_RECHECK_MS = 1_000;
/** Assignment changes arriving together that an idle agent acts on at once, without debounce. */
const TINY_PASS = 32;

export type { AgentMetrics, AgentOptions } from './agent-options.js';

/**
 * The agent of one machine: registers it under a lease, watches only its own assignments, runs
 * them in systemd (load, start, stop, unload), publishes their state when it changes, and keeps the
 * machine's health current. During an etcd outage it changes nothing in systemd; when the session
 * is lost it registers again and republishes. `stop({ drain: true })` (fleet's SIGTERM) stops and
 * unloads every unit and removes the machine. This file is the loop; the membership is in
 * registration.ts, one pass in reconcile.ts, the machine's own state in local.ts.
 */
export class Agent {
  readonly metrics: AgentMetrics = newAgentMetrics();
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly ttl: number;
  private readonly abort = new AbortController();
  private readonly trigger: Trigger;
  private readonly view: AssignmentView;
  private readonly publisher: StatePublisher;
  private readonly registration: Registration;
  private readonly local: LocalUnits;
  private readonly healthChecks: HealthChecks;
  private readonly unsubscribe: () => void;
  /** A pass is wanted (a change, or the periodic check of systemd against assignments). */
  private dirty = true;
  private readonly selfFence: SelfFence;
  private running: Promise<void> | undefined;
  /** When the oldest assignment change not yet acted on arrived (monotonic ms). */
  private changedAt: number | undefined;
  /** Assignment changes seen in the current synchronous burst (one watch response). */
  private burst = 0;
  /** The run loop waits for a change or its interval (no pass, registration or health running). */
  private idle = false;

  constructor(private readonly opts: AgentOptions) {
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? silentLogger).child({
      component: 'agent',
      machine: opts.machine.id,
    });
    this.ttl = opts.ttlSeconds ?? 30;
    this.trigger = new Trigger(this.clock, opts.debounceMs ?? 20);
    this.selfFence = new SelfFence(opts.selfFence === true, this.ttl, this.clock, this.log);
    // Jitter seeded by the machine ID unless given: machines spread, each one reproducible.
    const random = opts.random ?? seededRandom(opts.machine.id);
    const outage = (err: unknown) => this.registration.outage(err);
    this.publisher = new StatePublisher(outage, this.clock, opts.publishDelayMs ?? 50);
    this.registration = new Registration(opts, {
      random,
      clock: this.clock,
      log: this.log,
      metrics: this.metrics,
      publisher: this.publisher,
      onLost: () => this.trigger.fire(),
      signal: this.abort.signal,
    });
    this.view = new AssignmentView({
      registry: opts.registry,
      machineId: opts.machine.id,
      clock: this.clock,
      onChange: () => this.assignmentChanged(),
      onError: outage,
      onRepair: (units) =>
        this.log.warn(
          { units },
          'assignments differed from a fresh listing; view repaired and its watch restarted',
        ),
      ...(opts.relistIntervalMs === undefined ? {} : { relistIntervalMs: opts.relistIntervalMs }),
      random,
    });
    const { systemd, registry: store } = opts;
    this.healthChecks = new HealthChecks({
      clock: this.clock,
      log: this.log,
      store,
      onHealth: (unit, hash, health) => this.publisher.setHealth(unit, hash, health),
    });
    this.local = new LocalUnits({
      healthChecks: this.healthChecks,
      systemd,
      store,
      clock: this.clock,
      log: this.log,
      publisher: this.publisher,
      launchedRecord: new LaunchedRecord(opts.launchedStore, this.log),
      backoff: new RetryBackoff(opts.retryBackoff, random),
      ...(opts.events && { events: new UnitEvents(opts.events, opts.machine.id) }),
    });
    this.unsubscribe = systemd.onChange((changes) => this.local.onSystemdChange(changes));
  }

  get machineId(): string {
    return this.registration.machine.id;
  }

  /** The machine as registered (without health). */
  get machine(): Omit<MachineRecord, 'health'> {
    return this.registration.machine;
  }

  /** Units this agent launched (or adopted running), sorted. */
  launchedUnits(): string[] {
    return [...this.local.launched].sort();
  }

  /**
   * Changes what the machine record says (e.g. metadata after a SIGHUP) and writes it now.
   * The ID cannot change.
   */
  updateMachine(patch: {
    publicIP?: string;
    metadata?: Readonly<Record<string, string>>;
  }): Promise<void> {
    return this.registration.update(patch);
  }

  /**
   * True while the machine is registered under a live session (and its session is recorded in
   * the session store, if there is one).
   */
  get registered(): boolean {
    return this.registration.registered;
  }

  start(): void {
    this.running ??= this.run();
  }

  /**
   * Stops the agent. With `handOverSeconds` (an in-place restart) units keep running and the
   * machine is handed over to the next fleetd of this host (see {@link Registration.handOver}):
   * it never leaves the cluster unless no fleetd takes it within that time. Otherwise, with
   * `drain` (fleet's SIGTERM behaviour) every unit is stopped and unloaded first and the machine
   * leaves the cluster at once; without it units keep running and the machine's lease is no
   * longer renewed, so it expires after the TTL.
   */
  async stop({
    drain = false,
    handOverSeconds,
  }: { drain?: boolean; handOverSeconds?: number } = {}): Promise<void> {
    this.abort.abort();
    this.trigger.fire();
    await this.healthChecks.close();
    await this.running;
    this.trigger.cancel();
    this.unsubscribe();
    await this.view.close();
    if (handOverSeconds !== undefined) {
      await this.publisher.settled();
      // Not handed over (etcd unreachable, session lost): as a stop without drain.
      if (!(await this.registration.handOver(handOverSeconds))) this.registration.release();
    } else if (drain) {
      await this.local.drain();
      await this.registration.leave();
    } else {
      await this.publisher.settled();
      this.registration.release(); // units keep running; the machine expires after its TTL
    }
    this.publisher.close();
  }

  /** Requests a pass soon (debounced). */
  poke(): void {
    this.dirty = true;
    this.trigger.poke();
  }

  /**
   * Whether passes may run: registered (a machine ID another live fleetd holds is never acted
   * on), the lease renewed within its TTL (it may have expired and the engine be moving the
   * units), the assignment view current (listed since the registration, its watch live), and
   * not self-fenced. Otherwise units are left as they are.
   */
  private mayAct(): boolean {
    const s = this.registration.session;
    if (!this.registered || s === undefined || this.selfFence.fenced || !this.view.healthy)
      return false;
    return this.clock.monotonic() - s.lastRenewedAt() < this.ttl * 1000;
  }

  private async run(): Promise<void> {
    await this.local.restore();
    const signal = this.abort.signal;
    const interval = this.opts.reconcileIntervalMs ?? 5_000;
    const healthEvery = this.opts.healthIntervalMs ?? 60_000;
    let nextHealth = 0;
    while (!signal.aborted) {
      if (!this.registered && (await this.registration.register())) {
        nextHealth = this.clock.monotonic() + healthEvery;
        // List again before acting: deletes seen around a lost session (the engine moving the
        // units of a machine that had vanished) must not stop what the listing still assigns.
        this.view.refresh();
      }
      if (signal.aborted) break;
      const session = this.registration.session;
      if (this.selfFence.due(session)) {
        this.selfFence.enter(session);
        await this.local.fence();
      } else {
        this.selfFence.lift();
        if (this.dirty && this.mayAct()) {
          this.dirty = false;
          await this.pass();
        }
      }
      if (this.registered && this.clock.monotonic() >= nextHealth && !signal.aborted) {
        nextHealth = this.clock.monotonic() + healthEvery;
        await this.registration.refreshHealth();
      }
      const wait = this.registered ? interval : this.registration.retryDelay(interval);
      this.idle = true;
      await this.trigger.wait(this.selfFence.wakeBy(this.registration.session, wait));
      this.idle = false;
      this.dirty = true; // the periodic pass checks systemd against assignments
    }
  }

  /**
   * An assignment changed. The changes of one watch response arrive together (synchronously):
   * counted in a microtask, a few of them find an idle agent acting at once, as the engine does
   * for a few changed units; more, or any while a pass runs, wait for the debounce to gather them.
   */
  private assignmentChanged(): void {
    this.metrics.assignmentChanges++;
    this.changedAt ??= this.clock.monotonic();
    this.dirty = true;
    if (this.burst++ > 0) return;
    queueMicrotask(() => {
      const n = this.burst;
      this.burst = 0;
      if (n <= TINY_PASS && this.idle && !this.trigger.due) this.trigger.fire();
      else this.trigger.poke();
    });
  }

  private async pass(): Promise<void> {
    const woken = this.changedAt;
    this.changedAt = undefined;
    const r = await reconcileOnce(this.local, this.view.desired(), {
      ...(woken === undefined ? {} : { wokenAfterMs: this.clock.monotonic() - woken }),
      metrics: this.metrics,
      selfFence: this.opts.selfFence === true,
      outage: (err) => this.registration.outage(err),
    });
    if (!r.ok) this.dirty = true;
    // A start put off while a conflicting unit stops: look again soon, not a whole interval on.
    if (r.deferred) this.clock.setTimer(DEFERRED_START_RECHECK_MS, () => this.poke());
  }
}
