import { NotLeaderError, type Leadership, type Registry } from '@fleet/registry';
import { systemClock, type Clock } from '@fleet/runtime';
import { ClusterCache } from './cluster-cache.js';
import { MachineHistory } from './machine-history.js';
import { silentLogger, type Logger } from '@fleet/runtime';
import { newMetrics, type EngineMetrics } from './metrics.js';
import { reconcileOnce } from './reconcile.js';
import { GlobCache } from '@fleet/scheduler';

export interface EngineOptions {
  readonly registry: Registry;
  /** This fleetd's machine ID: the candidate name in the election. */
  readonly candidateId: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /**
   * fleet's `engine_reconcile_interval` (default 2 s): how often a follower tries for
   * leadership and a leader re-checks it. The lease TTL is five times this, as in fleet.
   */
  readonly reconcileIntervalMs?: number;
  /** Events arriving within this window are planned together (default 25 ms). */
  readonly debounceMs?: number;
  /** A full re-list of the cluster, repairing anything a watch missed (default 60 s). */
  readonly resyncIntervalMs?: number;
  /**
   * For this long after winning an election (default 30 s, fleet's agent_ttl), machines that hold
   * assignments but are not registered keep their units: after an outage that expired every
   * lease, agents need a moment to register again, and moving their units would restart them.
   * A machine that leaves while this engine leads loses its (non-global) units at once. The
   * grace is at least the largest session TTL in any machine record this engine has read (an
   * agent with a longer TTL is given as long to come back); 0 turns the grace off.
   */
  readonly machineGraceMs?: number;
  /**
   * A machine whose record vanished (its lease expired: a partition, a pause, a crash) keeps
   * the assignments of its global units this long (default 1 h) while its other units move at
   * once. fleet's agents kept running global units through a cut; without this, a machine that
   * comes back after a cut longer than its TTL would stop and restart every global unit. A
   * machine that stays gone loses them after this time.
   */
  readonly awayGlobalsMs?: number;
  /**
   * A follower does not poll for leadership: it watches the leader key and campaigns when it is
   * vacated, after a random delay below this (default 1 s, at most half the reconcile interval),
   * during which another follower's win calls it off. Spreads a thousand followers' campaigns.
   */
  readonly campaignJitterMs?: number;
  /** A follower campaigns at least this often even if its watch said nothing (default 5 min). */
  readonly followerRecheckMs?: number;
  /** Randomness for the jitter, in [0, 1) (default Math.random). */
  readonly random?: () => number;
}

/** Why a follower stopped following. */
type FollowEnd = 'vacant' | 'resync' | 'recheck';

/**
 * The engine: runs in every fleetd, acts only while it holds leadership. A leader loads the
 * cluster once, then plans on every relevant change (debounced) and on a periodic full resync,
 * writing fenced assignments, so a deposed leader's writes are refused by the store.
 */
export class Engine {
  readonly metrics: EngineMetrics = newMetrics();
  private readonly registry: Registry;
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
  private readonly abort = new AbortController();
  /** Compiled globs and match answers, kept across passes (a unit's globs are weighed once). */
  private readonly globs = new GlobCache();
  private leadership: Leadership | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly opts: EngineOptions) {
    this.registry = opts.registry;
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? silentLogger).child({ component: 'engine' });
    this.intervalMs = opts.reconcileIntervalMs ?? 2_000;
    this.debounceMs = opts.debounceMs ?? 25;
    this.resyncMs = opts.resyncIntervalMs ?? 60_000;
    this.graceMs = opts.machineGraceMs ?? 30_000;
    this.awayMs = opts.awayGlobalsMs ?? 3_600_000;
    this.jitterMs = opts.campaignJitterMs ?? Math.min(1_000, this.intervalMs / 2);
    this.recheckMs = opts.followerRecheckMs ?? 300_000;
    this.random = opts.random ?? Math.random;
  }

  /** Lease TTL in seconds: five reconcile intervals, as in fleet (10 s by default). */
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

  /**
   * Stops the engine and waits for it. A leader resigns (the next one takes over at once)
   * unless `resign` is false.
   */
  async stop({ resign = true }: { resign?: boolean } = {}): Promise<void> {
    this.abort.abort();
    const l = this.leadership;
    if (resign && l !== undefined) await l.resign().catch(() => undefined);
    await this.running;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        const l = await this.registry.campaign(this.opts.candidateId, this.leaseTtlSeconds);
        if (l !== undefined) await this.term(l);
        else if ((await this.follow(signal)) === 'vacant') continue; // campaign at once
      } catch (err) {
        if (!signal.aborted) this.log.warn({ err }, 'engine could not campaign for leadership');
      }
      await this.sleep(this.intervalMs, signal);
    }
  }

  /**
   * A follower waits on the leader key instead of campaigning every interval (with a thousand
   * fleetds that polling alone was ~1,500 etcd requests/s). Ends when the key has been vacant
   * for a random jitter, when the watch asks for a resync, on stop, or after the recheck time.
   */
  private follow(signal: AbortSignal): Promise<FollowEnd> {
    return new Promise((resolve) => {
      let done = false;
      let cancelJitter: (() => void) | undefined;
      const finish = (why: FollowEnd): void => {
        if (done) return;
        done = true;
        cancelRecheck();
        cancelJitter?.();
        signal.removeEventListener('abort', onAbort);
        void watch.close();
        resolve(why);
      };
      const onAbort = () => finish('recheck');
      const cancelRecheck = this.clock.setTimer(this.recheckMs, () => finish('recheck'));
      signal.addEventListener('abort', onAbort, { once: true });
      const watch = this.registry.watchLeader((e) => {
        if (e.type === 'resync') return finish('resync');
        if (e.leader !== undefined) {
          cancelJitter?.(); // someone else won: keep following
          cancelJitter = undefined;
        } else if (cancelJitter === undefined) {
          const delay = Math.floor(this.random() * this.jitterMs);
          cancelJitter = this.clock.setTimer(delay, () => finish('vacant'));
        }
      });
      if (signal.aborted) finish('recheck');
    });
  }

  /** One leadership term: from winning the election until losing it or stopping. */
  private async term(l: Leadership): Promise<void> {
    this.leadership = l;
    this.metrics.leaderSince = this.clock.now();
    this.log.info({ token: l.token }, 'Engine leadership acquired');
    const stop = AbortSignal.any([l.signal, this.abort.signal]);
    const trigger = new Trigger(this.clock, this.debounceMs);
    stop.addEventListener('abort', () => trigger.fire(), { once: true });
    let cache: ClusterCache | undefined;
    let resyncAt = 0;
    let needLoad = true;
    let dirty = true;
    const termStart = this.clock.monotonic();
    // Read again every round: a record with a longer TTL read meanwhile lengthens the grace.
    const graceUntil = () => termStart + Math.max(this.graceMs, this.largestAgentTtlMs);
    const history = new MachineHistory(this.clock, (ttl) => {
      this.largestAgentTtlMs = Math.max(this.largestAgentTtlMs, ttl * 1000);
    });
    let inGrace = this.graceMs > 0;
    let awayPlanned = Infinity;
    try {
      while (!stop.aborted && l.isLeader()) {
        if (needLoad || this.clock.monotonic() >= resyncAt) {
          await cache?.close();
          cache = undefined;
          // Cleared before the load: a resync from a watch the load has just opened may arrive
          // before the load returns, and must not be overwritten by it.
          needLoad = false;
          try {
            cache = await ClusterCache.load(
              this.registry,
              () => ((dirty = true), trigger.poke()),
              (reason) => {
                this.log.info({ reason }, 'watch asked for a resync');
                needLoad = true;
                trigger.poke();
              },
              history,
            );
          } catch (err) {
            // An etcd blip during the (re)load: the term goes on and loads again after the
            // interval. Ending it here left the lease renewing and nobody scheduling.
            if (err instanceof NotLeaderError) throw err;
            this.log.warn({ err }, 'engine could not load the cluster; trying again');
            needLoad = true;
            await trigger.wait(this.intervalMs);
            continue;
          }
          resyncAt = this.clock.monotonic() + this.resyncMs;
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
        if (dirty && !stop.aborted && cache !== undefined) {
          dirty = false;
          const planned = cache;
          await this.pass(planned, l, inGrace).then(
            (refused) => {
              if (refused > 0) dirty = true; // plan the refused units again after the interval
            },
            (err: unknown) => {
              if (err instanceof NotLeaderError) throw err;
              dirty = true; // try again after the next interval
              // A failed write may have committed: plan from a fresh listing, which holds every
              // committed write, not from this cache, which may lack it (its echo may lag).
              if (planned.unsure) needLoad = true;
            },
          );
        }
        const until =
          Math.min(
            resyncAt,
            inGrace ? graceUntil() : Infinity,
            awayEnds > this.clock.monotonic() ? awayEnds : Infinity,
          ) - this.clock.monotonic();
        await trigger.wait(Math.min(this.intervalMs, Math.max(0, until)));
      }
    } catch (err) {
      if (!(err instanceof NotLeaderError)) throw err;
      this.log.warn({ err }, 'Engine leadership lost: a write was refused');
    } finally {
      trigger.cancel();
      await cache?.close();
      this.leadership = undefined;
      this.metrics.leaderSince = undefined;
      if (!this.abort.signal.aborted) {
        // A term that ends while its lease still renews would hold the leader key for nobody:
        // give it up, so that another engine (or this one) campaigns at once.
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
        globs: this.globs,
      });
      this.metrics.reconciles++;
      if (r.tasks.length > 0)
        this.log.debug({ tasks: r.tasks.length, waiting: r.waiting }, 'reconciled');
      return r.refused;
    } catch (err) {
      this.metrics.reconcileFailures++;
      this.log.warn({ err }, 'reconcile failed');
      throw err;
    } finally {
      this.metrics.lastReconcileMs = this.clock.monotonic() - started;
    }
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const cancel = this.clock.setTimer(ms, done);
      signal.addEventListener('abort', done, { once: true });
      function done() {
        cancel();
        signal.removeEventListener('abort', done);
        resolve();
      }
    });
  }
}

/**
 * Wakes the leader loop: `poke()` after a short debounce (so a burst of events is planned once),
 * `fire()` at once; `wait(ms)` resolves on either or after `ms`.
 */
class Trigger {
  private wake: (() => void) | undefined;
  private pending = false;
  private cancelDebounce: (() => void) | undefined;
  private cancelWait: (() => void) | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly debounceMs: number,
  ) {}

  poke(): void {
    if (this.cancelDebounce !== undefined) return;
    this.cancelDebounce = this.clock.setTimer(this.debounceMs, () => {
      this.cancelDebounce = undefined;
      this.fire();
    });
  }

  fire(): void {
    this.pending = true;
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.cancelWait = this.clock.setTimer(ms, () => this.fire());
      this.wake = () => {
        this.pending = false;
        this.cancelWait?.();
        this.cancelWait = undefined;
        resolve();
      };
    });
  }

  cancel(): void {
    this.cancelDebounce?.();
    this.cancelWait?.();
    this.cancelDebounce = this.cancelWait = undefined;
  }
}
