import { NotLeaderError, type Leadership } from '@fleet/registry';
import {
  backoff,
  silentLogger,
  sleep,
  systemClock,
  Trigger,
  type BackoffPolicy,
  type Clock,
  type Logger,
} from '@fleet/runtime';
import { GlobCache, Planner, ungated } from '@fleet/scheduler';
import { ClusterCache } from './cluster-cache.js';
import { DrainController } from './drain.js';
import type { EngineOptions } from './engine-options.js';
import { EventfulEngineStore } from './events.js';
import { followLeader } from './follow.js';
import { MachineHistory } from './machine-history.js';
import { newMetrics, passTimed, termEnded, type EngineMetrics } from './metrics.js';
import { reconcileOnce } from './reconcile.js';
import { SuspectMachines } from './suspects.js';
import { whileSuspended } from './suspended.js';
import { verdictOf } from './verdict.js';

/** A leader's retries after a retryable error: ±20 % jitter, from one interval up to this. */
const RETRY_MAX_MS = 30_000;
/** Changed units a pass plans alone, without waiting for more events: it costs the change alone. */
const TINY_PASS = 32;

/** The engine: runs in every fleetd, acts only while it holds leadership. A leader loads the
 * cluster once, then plans on every relevant change (debounced) and on a periodic full resync,
 * writing fenced assignments, so a deposed leader's writes are refused by the store. */
export class Engine {
  readonly metrics: EngineMetrics = newMetrics();
  private readonly registry: EventfulEngineStore;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly intervalMs: number;
  private readonly debounceMs: number;
  private readonly resyncMs: number;
  private readonly graceMs: number;
  private readonly awayMs: number;
  /** The largest session TTL (ms) in a machine record read in any term: the grace's floor. */
  private largestAgentTtlMs = 0;
  private readonly jitterMs: number;
  private readonly recheckMs: number;
  private readonly random: () => number;
  private readonly retry: BackoffPolicy;
  private readonly abort = new AbortController();
  /** Compiled globs and match answers, kept across passes (a unit's globs are weighed once). */
  private readonly globs = new GlobCache();
  /** Plans pass after pass; a pass over a few changed units plans only those (see Planner). */
  private readonly planner: Planner;
  private readonly drain: DrainController; // cordons and drains (docs/operating.md)
  private leadership: Leadership | undefined;
  private running: Promise<void> | undefined;
  /** The leader this engine last saw while following (its machine is suspect if it vanished). */
  private lastLeader: string | undefined;

  constructor(private readonly opts: EngineOptions) {
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? silentLogger).child({ component: 'engine' });
    this.registry = EventfulEngineStore.of(opts, this.clock, this.log);
    this.intervalMs = opts.reconcileIntervalMs ?? 600;
    this.debounceMs = opts.debounceMs ?? 25;
    this.resyncMs = opts.resyncIntervalMs ?? 60_000;
    this.graceMs = opts.machineGraceMs ?? 30_000;
    this.awayMs = opts.awayGlobalsMs ?? 3_600_000;
    this.jitterMs = opts.campaignJitterMs ?? Math.min(250, this.intervalMs / 2);
    this.recheckMs = opts.followerRecheckMs ?? 300_000;
    this.random = opts.random ?? Math.random;
    const maxMs = Math.max(this.intervalMs, RETRY_MAX_MS);
    this.retry = { initialMs: this.intervalMs, maxMs, jitter: 0.2 };
    this.drain = DrainController.of(opts, this.registry, this.clock, this.log);
    const gate = opts.rollouts?.gate ?? ungated;
    this.planner = new Planner({ globs: this.globs, gate, drain: this.drain });
  }

  /** Lease TTL in seconds: five reconcile intervals, as in fleet (3 s by default; fleet's 10 s). */
  get leaseTtlSeconds(): number {
    return Math.max(2, Math.round((5 * this.intervalMs) / 1000));
  }

  /** Starts campaigning in the background. */
  start(): void {
    this.running ??= this.run();
  }

  /** True while this engine holds a leadership it may act on. */
  isLeader(): boolean {
    return this.leadership?.isLeader() ?? false;
  }

  /** Stops the engine and waits; a leader resigns (so the next leads at once) unless told not to. */
  async stop({ resign = true }: { resign?: boolean } = {}): Promise<void> {
    this.abort.abort();
    const l = this.leadership;
    if (resign && l !== undefined) await l.resign().catch(() => undefined);
    await this.running;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    const follow = {
      clock: this.clock,
      jitterMs: this.jitterMs,
      recheckMs: this.recheckMs,
      random: this.random,
      onLeader: (id: string) => void (this.lastLeader = id),
    };
    while (!signal.aborted) {
      try {
        const l = await this.registry.campaign(this.opts.candidateId, this.leaseTtlSeconds);
        if (l !== undefined) {
          // Won: the key was vacant. Whoever held it last may have died (see suspects.ts).
          const previous = this.lastLeader;
          this.lastLeader = undefined;
          await this.term(l, previous === this.opts.candidateId ? undefined : previous);
        } else if ((await followLeader(this.registry, signal, follow)) === 'vacant') continue;
      } catch (err) {
        if (!signal.aborted) this.log.warn({ err }, 'engine could not campaign for leadership');
      }
      await sleep(this.clock, this.intervalMs, signal);
    }
  }

  /**
   * One leadership term: from winning the election until losing it, stopping, or an error that
   * retrying cannot help (logged; the engine resigns). A retryable error is backed off and the
   * term goes on.
   */
  private async term(l: Leadership, previous: string | undefined): Promise<void> {
    this.leadership = l;
    this.metrics.leaderSince = this.clock.now();
    this.log.info({ token: l.token }, 'Engine leadership acquired');
    const stop = AbortSignal.any([l.signal, this.abort.signal]);
    const trigger = new Trigger(this.clock, this.debounceMs);
    stop.addEventListener('abort', () => trigger.fire(), { once: true });
    l.onChange(() => trigger.fire());
    let cache: ClusterCache | undefined;
    const rolling = this.opts.rollouts?.during(l, () => cache, stop);
    const draining = this.drain.during(l, () => cache, stop);
    let resyncAt = 0;
    let needLoad = true;
    let dirty = true;
    /** Retryable failures in a row, and no load or pass before `retryAt` (monotonic). */
    let failures = 0;
    let retryAt = -Infinity;
    const failed = (err: unknown, what: string): void => {
      if (verdictOf(err) !== 'retry') throw err;
      failures++;
      const delayMs = backoff(failures, this.retry, this.random);
      retryAt = this.clock.monotonic() + delayMs;
      this.log.warn({ err, failures, delayMs }, `${what}; trying again`);
    };
    const termStart = this.clock.monotonic();
    // Read again every round: a record with a longer TTL read meanwhile lengthens the grace.
    const graceUntil = () => termStart + Math.max(this.graceMs, this.largestAgentTtlMs);
    const history = new MachineHistory(this.clock, (ttl) => {
      this.largestAgentTtlMs = Math.max(this.largestAgentTtlMs, ttl * 1000);
    });
    const suspects = new SuspectMachines(
      this.clock,
      Math.max(this.graceMs, this.largestAgentTtlMs),
    );
    if (previous !== undefined) {
      suspects.suspect(previous);
      this.log.info(
        { machine: previous },
        "no new unit goes to the previous leader's machine while it may be dead",
      );
    }
    let inGrace = this.graceMs > 0;
    let awayPlanned = Infinity;
    let suspectsPlanned = Infinity;
    try {
      while (!stop.aborted) {
        if (await whileSuspended(l, trigger, stop, this.intervalMs, this.log)) dirty = true;
        if (stop.aborted) break;
        const backingOff = this.clock.monotonic() < retryAt;
        if (!backingOff && (needLoad || this.clock.monotonic() >= resyncAt)) {
          // A periodic resync re-lists under the open watches; a watch's resync opens them anew.
          if (needLoad) {
            await cache?.close();
            cache = undefined;
          }
          // Cleared first: a resync from a watch this load opens may come before the load returns.
          needLoad = false;
          try {
            if (cache !== undefined) await cache.relist();
            else
              cache = await ClusterCache.load(
                this.registry,
                (_, units) => {
                  dirty = true;
                  if (units !== undefined && units <= TINY_PASS && this.planner.ready)
                    trigger.fire();
                  else trigger.poke();
                },
                (reason) => {
                  this.log.info({ reason }, 'watch asked for a resync');
                  needLoad = true;
                  trigger.poke();
                },
                history,
                suspects,
                this.drain.adminOf,
              );
            resyncAt = this.clock.monotonic() + this.resyncMs;
            dirty = true;
          } catch (err) {
            // An etcd blip during the (re)load: the term goes on (ending it left nobody scheduling).
            needLoad = true;
            failed(err, 'engine could not load the cluster');
          }
        }
        // A suspicion that runs out: the machine takes new units again (some may wait for it).
        const suspectsEnd = suspects.nextEnd();
        if (this.clock.monotonic() >= suspectsEnd && suspectsEnd !== suspectsPlanned) {
          suspectsPlanned = suspectsEnd;
          dirty = true;
        }
        if (inGrace && this.clock.monotonic() >= graceUntil()) {
          inGrace = false;
          dirty = true; // machines still missing are gone: plan without them
        }
        // A machine missing for awayGlobalsMs is gone: plan without its global units.
        const awayEnds = history.firstMissingAt() + this.awayMs;
        if (this.clock.monotonic() >= awayEnds && awayEnds !== awayPlanned) {
          awayPlanned = awayEnds; // once: a pass that cannot drop them retries on its own
          dirty = true;
        }
        const due = dirty && !stop.aborted && this.drain.ready; // ready: cordons read (drain.ts)
        if (due && cache !== undefined && this.clock.monotonic() >= retryAt) {
          dirty = false;
          const planned = cache;
          try {
            const refused = await this.pass(planned, l, inGrace);
            failures = 0;
            if (refused > 0) dirty = true; // plan the refused units again after the interval
          } catch (err) {
            dirty = true;
            // A failed write may have committed: plan from a fresh listing (this cache may lack it).
            if (planned.unsure) needLoad = true;
            failed(err, 'reconcile failed');
          }
        }
        const now = this.clock.monotonic();
        // While backing off, a due (re)load or a failed pass waits for the backoff's end.
        const backoffEnd = retryAt > now ? retryAt : -Infinity;
        const retryPassAt = retryAt > now && (needLoad || dirty) ? retryAt : Infinity;
        const until =
          Math.min(
            Math.max(resyncAt, backoffEnd),
            retryPassAt,
            inGrace ? graceUntil() : Infinity,
            awayEnds > now ? awayEnds : Infinity,
            suspects.nextEnd() > now ? suspects.nextEnd() : Infinity,
          ) - now;
        await trigger.wait(Math.min(this.intervalMs, Math.max(0, until)));
      }
    } catch (err) {
      if (err instanceof NotLeaderError)
        this.log.warn({ err }, 'Engine leadership lost: a write was refused');
      else this.log.error({ err }, 'Engine term ended by an error that retrying cannot help');
    } finally {
      trigger.cancel();
      await Promise.all([rolling?.end(), draining.end(), cache?.close()]);
      this.leadership = undefined;
      termEnded(this.metrics);
      if (!this.abort.signal.aborted) {
        // A lease still renewing would hold the leader key for nobody: give it up at once.
        if (!l.signal.aborted) await l.resign().catch(() => undefined);
        this.log.warn({}, 'Engine leadership lost');
      }
    }
  }

  /** One reconcile pass; returns how many tasks were held back or refused. */
  private async pass(cache: ClusterCache, l: Leadership, ghosts: boolean): Promise<number> {
    const started = this.clock.monotonic();
    try {
      const r = await reconcileOnce(cache, this.registry, l, this.log, this.metrics, {
        ghosts,
        awayMs: this.awayMs,
        planner: this.planner,
        onApplied: (tasks) => this.registry.applied(tasks),
      });
      this.metrics.reconciles++;
      if (r.tasks.length > 0)
        this.log.debug({ tasks: r.tasks.length, waiting: r.waiting }, 'reconciled');
      return r.refused;
    } catch (err) {
      this.metrics.reconcileFailures++;
      throw err; // the term decides (and logs)
    } finally {
      passTimed(this.metrics, this.clock.monotonic() - started);
    }
  }
}
