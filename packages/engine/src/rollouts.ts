// The leader's rolling updates (docs/deploys.md, "Rollout groups"): while any rollout is open it
// reads its groups about once a second, runs the pure step (@fleet/scheduler stepRollout), writes
// the record fenced, writes a rollback's old contents back, and lets the planner give new contents
// only to the copies the rollout released (the content gate). A new leader reads the records and
// continues from them.
import {
  ConflictError,
  NotLeaderError,
  type EngineStore,
  type Leadership,
  type Rollout,
} from '@fleet/registry';
import {
  backoff,
  silentLogger,
  systemClock,
  Trigger,
  type Clock,
  type Logger,
} from '@fleet/runtime';
import {
  gatedHash,
  isOpen,
  stepRollout,
  type ContentGate,
  type RolloutLogEvent,
  type RolloutRecord,
  type RolloutStep,
} from '@fleet/scheduler';
import { groupOf } from '@fleet/unit';
import type { ClusterCache } from './cluster-cache.js';
import { countBy } from './metrics.js';
import { inputOf, RolloutGroups, type GroupView } from './rollout-groups.js';
import { verdictOf } from './verdict.js';

/** What a {@link RolloutController} is built from. */
export interface RolloutOptions {
  /** The engine's store (the same as its EngineOptions.registry). */
  readonly registry: EngineStore;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** How often an open rollout is looked at (default 1 s). */
  readonly tickMs?: number;
  /** How often the records are read again while none is open (default 60 s). */
  readonly idleMs?: number;
  /**
   * Told each rollout event (started, step, succeeded, failed, rolled back), after its record
   * was written: fleetd appends them to the cluster event log.
   */
  readonly onRolloutEvent?: (e: RolloutLogEvent) => void;
}

/**
 * Drives the group rollouts of an engine's leadership terms (EngineOptions.rollouts); its
 * {@link gate} is the engine planner's.
 */
export class RolloutController {
  /** Open records by group, as last read or written. */
  private records = new Map<string, RolloutRecord>();
  /** Unit name -> group, for the gate (asked for every copy in a full pass during a rollout). */
  private groupOf = new Map<string, string>();
  /** Groups the gate held a copy of while they had no open record: a rollout should start. */
  private readonly wanted = new Set<string>();
  private readonly groups: RolloutGroups;
  private wake: Trigger | undefined;
  private readonly registry: EngineStore;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly tickMs: number;
  private readonly idleMs: number;
  private readonly emit: (e: RolloutLogEvent) => void;

  constructor(opts: RolloutOptions) {
    this.registry = opts.registry;
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? silentLogger).child({ component: 'rollouts' });
    this.groups = new RolloutGroups(opts.registry);
    this.tickMs = opts.tickMs ?? 1000;
    this.idleMs = opts.idleMs ?? 60_000;
    this.emit = opts.onRolloutEvent ?? (() => undefined);
  }

  /** Open rollouts by state, as last read or written (while the engine leads). */
  openByState(): Record<string, number> {
    return countBy(this.records.values(), (r) => r.state);
  }

  /**
   * Starts the rollouts of a leadership term in the background (see `run`); `end()` stops
   * them and waits (the term calls it as it ends).
   */
  during(
    l: Leadership,
    cache: () => ClusterCache | undefined,
    stop: AbortSignal,
  ): { end(): Promise<void> } {
    const own = new AbortController();
    const running = this.run(l, cache, AbortSignal.any([stop, own.signal]));
    return {
      end: async () => {
        own.abort();
        await running;
      },
    };
  }

  /**
   * The planner's content gate: a copy gets its unit's new contents only once its group's
   * rollout released it. A copy on other contents than its unit's in a group without an open
   * rollout keeps them, and the group is looked at at once (a rollout starts).
   */
  readonly gate: ContentGate = (a, u) => {
    if (a.hash === u.hash && this.records.size === 0) return u.hash;
    let group = this.groupOf.get(u.name);
    if (group === undefined) this.groupOf.set(u.name, (group = groupOf(u.name)));
    const record = this.records.get(group);
    // No open rollout, or a failed one the group moved on from: look at the group at once.
    if (a.hash !== u.hash && (!isOpen(record) || record.state === 'failed')) {
      this.wanted.add(group);
      this.wake?.fire();
    }
    return gatedHash(record, a, u);
  };

  /**
   * Runs for one leadership term: looks at the open rollouts every tick while the leadership
   * holds, until `stop`. A refused fenced write ends it (the term ends too); other errors are
   * logged and retried after a backoff (the gate holds the group's copies meanwhile).
   */
  private async run(
    l: Leadership,
    cache: () => ClusterCache | undefined,
    stop: AbortSignal,
  ): Promise<void> {
    // Records of an earlier term may be stale: the gate holds changed copies until the first tick.
    this.records = new Map();
    const wake = (this.wake = new Trigger(this.clock, 0));
    const onStop = () => wake.fire();
    stop.addEventListener('abort', onStop, { once: true });
    let failures = 0;
    try {
      while (!stop.aborted) {
        const c = cache();
        let waitMs = this.tickMs;
        if (l.isLeader() && c !== undefined) {
          try {
            await this.tick(l.token, c);
            failures = 0;
            // A failed rollout waits for the operator: the gate wakes the loop when the group changes.
            const busy = [...this.records.values()].some((r) => r.state !== 'failed');
            if (!busy && this.wanted.size === 0) waitMs = this.idleMs;
            else waitMs = Math.min(waitMs, this.nextDoneIn());
          } catch (err) {
            if (err instanceof NotLeaderError) {
              this.log.warn({ err }, 'rollouts stopped: a fenced write was refused');
              return;
            }
            failures++;
            waitMs = backoff(failures, { initialMs: this.tickMs, maxMs: 30_000, jitter: 0.2 });
            const fields = { err, failures, delayMs: waitMs };
            if (verdictOf(err) === 'retry')
              this.log.warn(fields, 'rollout step failed; trying again');
            else this.log.error(fields, 'rollout step failed; trying again');
          }
        }
        if (!stop.aborted) await wake.wait(waitMs);
      }
    } finally {
      stop.removeEventListener('abort', onStop);
      wake.cancel();
      if (this.wake === wake) this.wake = undefined;
    }
  }

  /**
   * Time until the next step may change something (ms, >= 0): the first copy in flight to have
   * been healthy long enough, or a quarter tick while a replaced copy has not been seen healthy
   * yet (its agent publishes that it runs at any moment; the states are not watched).
   */
  private nextDoneIn(): number {
    const now = this.clock.now();
    let next = Infinity;
    for (const r of this.records.values()) {
      for (const c of r.copies) {
        if (c.phase !== 'replacing') continue;
        const at =
          c.healthySince === undefined
            ? now + this.tickMs / 4
            : Date.parse(c.healthySince) + r.policy.minHealthySec * 1000;
        if (at < next) next = at;
      }
    }
    return Math.max(0, next - now);
  }

  /** One look at every open rollout and every group the gate asked for. */
  private async tick(token: string, cache: ClusterCache): Promise<void> {
    const listed = await this.registry.listRollouts();
    const current = new Map(listed.items.map((r) => [r.group, r]));
    this.records = new Map(listed.items.filter((r) => isOpen(r)).map((r) => [r.group, r]));
    const names = new Set([...current.keys(), ...this.wanted]);
    this.wanted.clear();
    if (names.size === 0) {
      this.groups.forget();
      this.groupOf = new Map();
      return;
    }
    const views = await this.groups.views(cache, names);
    for (const group of [...names].sort()) {
      const record = current.get(group);
      const view = views.get(group) ?? { units: [], assignments: [] };
      try {
        await this.stepGroup(token, cache, group, record, view);
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        // An operator paused or resumed it meanwhile: the next tick reads it again.
        this.log.info({ group }, 'rollout record changed meanwhile; looking again');
      }
    }
  }

  private async stepGroup(
    token: string,
    cache: ClusterCache,
    group: string,
    record: Rollout | undefined,
    view: GroupView,
  ): Promise<void> {
    if (record !== undefined && !isOpen(record)) {
      // Written final by a term that ended before it moved the record to the history.
      await this.registry.finishRollout(token, group);
      this.records.delete(group);
      cache.touchUnits(view.units.map((u) => u.name));
      return;
    }
    const lastId =
      record === undefined ? ((await this.registry.getRollout(group)).history[0]?.id ?? 0) : 0;
    const states = record?.state === 'failed' ? [] : await this.groups.states(view);
    const step = stepRollout({
      group,
      record,
      lastId,
      units: view.units,
      assignments: view.assignments,
      states,
      now: this.clock.now(),
    });
    await this.apply(token, group, record?.revision, step);
    if (step.write || step.superseded !== undefined || step.release.length > 0)
      cache.touchUnits(view.units.map((u) => u.name));
  }

  /** Writes what a step decided: records (fenced, against their revision), units, events. */
  private async apply(
    token: string,
    group: string,
    revision: string | undefined,
    step: RolloutStep,
  ): Promise<void> {
    let expect = revision ?? '0';
    if (step.superseded !== undefined) {
      await this.registry.putRollout(token, inputOf(step.superseded), expect);
      await this.registry.finishRollout(token, group);
      this.records.delete(group);
      expect = '0';
    }
    const record = step.record;
    if (record !== undefined && step.write) {
      const stored = await this.registry.putRollout(token, inputOf(record), expect);
      if (isOpen(stored)) this.records.set(group, stored);
      else {
        await this.registry.finishRollout(token, group);
        this.records.delete(group);
      }
    }
    if (record !== undefined && step.revertUnits.length > 0) await this.revert(token, record, step);
    for (const e of step.events) {
      this.log.info({ group, kind: e.kind, unit: e.unit, machine: e.machineId }, e.message);
      this.emit(e);
    }
  }

  /** A rollback writes the old contents back to the group's units still on the new ones. */
  private async revert(token: string, record: RolloutRecord, step: RolloutStep): Promise<void> {
    const options = (await this.registry.getContentsMany([record.fromHash])).get(record.fromHash);
    if (options === undefined) {
      this.log.error(
        { group: record.group, hash: record.fromHash },
        'cannot roll back: the old contents are gone',
      );
      return;
    }
    await this.registry.revertUnits(
      token,
      step.revertUnits.map((name) => ({ name, options })),
    );
  }
}
