// The health checks of the units active on this machine (docs/deploys.md, "Health"). While the
// agent sees a unit with a check `active` in systemd, the check runs every interval; a change of
// its status (and its first result) goes to the publisher with the unit's state. A unit that is
// no longer active, no longer here, or whose file's hash changed stops being checked (a new hash
// starts its own check). Checks run on timers beside the agent's loop, never in it, a few at once.
import type { AgentStore, UnitHealth } from '@fleet/registry';
import type { Clock, Logger } from '@fleet/runtime';
import type { SystemdUnitStatus } from '@fleet/systemd';
import { healthCheckOf, type HealthCheck } from '@fleet/unit';
import { runProbe, type ProbeContext, type ProbeResult } from './health-probe.js';

/** Checks running at once on one machine; more wait their turn. */
export const MAX_RUNNING_CHECKS = 4;
/** How soon the contents of a unit are read again after the registry did not answer. */
const CONTENTS_RETRY_MS = 5_000;
/** Checks of hashes kept known beyond the units checked now. */
const KNOWN_CHECKS = 256;

/** What {@link HealthChecks} acts through. */
export interface HealthChecksDeps {
  readonly clock: Clock;
  readonly log: Logger;
  /** Where a unit's contents (its HealthCheck* options) are read, by hash. */
  readonly store: Pick<AgentStore, 'getContentsMany'>;
  /** A new result of `unit` (with `hash`), or `undefined`: it has none any more. */
  readonly onHealth: (unit: string, hash: string, health: UnitHealth | undefined) => void;
  /** Runs one check (default: {@link runProbe}). */
  readonly probe?: (check: HealthCheck, ctx: ProbeContext) => Promise<ProbeResult>;
  /** Checks running at once (default {@link MAX_RUNNING_CHECKS}). */
  readonly maxRunning?: number;
}

/** One active unit with a hash: its check, timer and last status. */
interface Watched {
  readonly unit: string;
  readonly hash: string;
  check?: HealthCheck;
  cancel?: () => void;
  /** Ends the check in flight (and the contents read) when the unit stops being checked. */
  readonly abort: AbortController;
  status?: UnitHealth['status'];
  queued: boolean;
}

export class HealthChecks {
  private readonly watched = new Map<string, Watched>();
  /** Each hash's check as read from its contents (`null`: none), so a restart reads nothing. */
  private readonly known = new Map<string, HealthCheck | null>();
  private readonly queue: Watched[] = [];
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly deps: HealthChecksDeps) {}

  /** Units checked (or about to be) now, sorted. */
  units(): string[] {
    return [...this.watched.keys()].sort();
  }

  /** systemd's state of a unit of this machine, as the agent sees it. */
  observe(unit: string, state: SystemdUnitStatus): void {
    if (this.closed) return;
    const w = this.watched.get(unit);
    if (state.active !== 'active' || state.hash === undefined) {
      if (w !== undefined) this.forget(unit);
      return;
    }
    if (w?.hash === state.hash) return;
    if (w !== undefined) this.forget(unit);
    const fresh: Watched = { unit, hash: state.hash, abort: new AbortController(), queued: false };
    this.watched.set(unit, fresh);
    this.start(fresh);
  }

  /** `unit` is no longer checked here; its health, if it had one, is withdrawn. */
  forget(unit: string): void {
    const w = this.watched.get(unit);
    if (w === undefined) return;
    this.watched.delete(unit);
    w.cancel?.();
    w.abort.abort();
    if (w.status !== undefined) this.deps.onHealth(unit, w.hash, undefined);
  }

  /** Ends every timer and check (killing their processes); results of checks in flight are dropped. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.watched.values()) {
      w.cancel?.();
      w.abort.abort();
    }
    this.watched.clear();
    this.queue.length = 0;
    await Promise.all([...this.running]);
  }

  private current(w: Watched): boolean {
    return !this.closed && this.watched.get(w.unit) === w;
  }

  /** Reads the unit's check (from the registry unless known), then runs it at once. */
  private start(w: Watched): void {
    const known = this.known.get(w.hash);
    if (known !== undefined) {
      if (known !== null) this.begin(w, known);
      return;
    }
    this.deps.store.getContentsMany([w.hash]).then(
      (contents) => {
        const options = contents.get(w.hash);
        if (!this.current(w)) return;
        if (options === undefined) return; // destroyed meanwhile: its states go with it
        const check = this.read(w, options);
        this.remember(w.hash, check ?? null);
        if (check !== undefined) this.begin(w, check);
      },
      (err: unknown) => {
        if (!this.current(w)) return;
        this.deps.log.debug({ unit: w.unit, err }, 'health check: contents not read; retrying');
        w.cancel = this.deps.clock.setTimer(CONTENTS_RETRY_MS, () => {
          if (this.current(w)) this.start(w);
        });
      },
    );
  }

  private read(w: Watched, options: Parameters<typeof healthCheckOf>[0]): HealthCheck | undefined {
    try {
      return healthCheckOf(options);
    } catch (err) {
      // Submitted before this fleetd checked HealthCheck* values: never run.
      this.deps.log.warn({ unit: w.unit, err }, 'health check not run: its options are refused');
      return undefined;
    }
  }

  private remember(hash: string, check: HealthCheck | null): void {
    if (this.known.size >= KNOWN_CHECKS + this.watched.size) {
      const inUse = new Set([...this.watched.values()].map((x) => x.hash));
      for (const h of this.known.keys()) if (!inUse.has(h)) this.known.delete(h);
    }
    this.known.set(hash, check);
  }

  private begin(w: Watched, check: HealthCheck): void {
    w.check = check;
    this.enqueue(w);
  }

  private enqueue(w: Watched): void {
    if (!this.current(w) || w.queued) return;
    w.queued = true;
    this.queue.push(w);
    this.pump();
  }

  private pump(): void {
    const max = this.deps.maxRunning ?? MAX_RUNNING_CHECKS;
    while (this.running.size < max && this.queue.length > 0) {
      const w = this.queue.shift() as Watched;
      w.queued = false;
      if (!this.current(w) || w.check === undefined) continue;
      const run = this.runOnce(w, w.check)
        .catch((err: unknown) => this.deps.log.warn({ unit: w.unit, err }, 'health check broke'))
        .finally(() => {
          this.running.delete(run);
          this.pump();
        });
      this.running.add(run);
    }
  }

  private async runOnce(w: Watched, check: HealthCheck): Promise<void> {
    const { clock } = this.deps;
    const started = clock.monotonic();
    const probe =
      this.deps.probe ?? ((c: HealthCheck, ctx: ProbeContext) => runProbe(c.probe, ctx));
    const r = await probe(check, {
      clock,
      timeoutMs: check.timeoutSec * 1000,
      signal: w.abort.signal,
    });
    if (!this.current(w)) return;
    if (r.status !== w.status) {
      w.status = r.status;
      const health: UnitHealth = {
        status: r.status,
        ...(r.output === undefined ? {} : { output: r.output }),
        checkedAt: new Date(clock.now()).toISOString(),
      };
      this.deps.log.info({ unit: w.unit, health }, `health check ${r.status}`);
      this.deps.onHealth(w.unit, w.hash, health);
    }
    const next = Math.max(0, started + check.intervalSec * 1000 - clock.monotonic());
    w.cancel = clock.setTimer(next, () => this.enqueue(w));
  }
}
