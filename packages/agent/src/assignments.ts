import type { AgentStore, Assignment, AssignmentEvent, Listing, Watch } from '@fleet/registry';
import { backoff, jittered, type Clock } from '@fleet/runtime';
import { compareStrings } from '@fleet/unit';

/** Options of {@link AssignmentView}. */
export interface AssignmentViewOptions {
  readonly registry: AgentStore;
  readonly machineId: string;
  readonly clock: Clock;
  /** Called after every change of the view (an event, or a listing that changed it). */
  readonly onChange: () => void;
  /** A failed listing (it is retried with backoff). */
  readonly onError: (err: unknown) => void;
  /**
   * A listing found the view wrong while its watch was live, and the watch did not deliver the
   * events of those units within `confirmMs` (a watch gone silent): `units` are those it missed;
   * the watch was restarted.
   */
  readonly onRepair?: (units: readonly string[]) => void;
  /**
   * How long a live watch has to deliver the events of units a listing showed changed before it
   * is judged silent and restarted (default 10 s). Under load a listing often overtakes events
   * still in flight: restarting the watch then only adds a cancel and a create on etcd's Watch
   * stream per agent.
   */
  readonly confirmMs?: number;
  /** The own prefix is listed again about this often (default 5 min, ±20 % jitter). */
  readonly relistIntervalMs?: number;
  /** A failed listing is retried after `initialMs`, doubling up to `maxMs` (500 ms, 10 s), ±20 %. */
  readonly retry?: { readonly initialMs: number; readonly maxMs: number };
  /** In [0, 1): the jitter of the periodic listing and the retries (default `Math.random`). */
  readonly random?: () => number;
}

/**
 * This machine's assignments, kept current by a listing and a watch on the machine's own prefix
 * (a change elsewhere in the cluster never wakes this agent).
 *
 * - A listing that fails (the first one, one after a `resync`, or any other) is retried with
 *   backoff until one succeeds; meanwhile the view is not {@link healthy}.
 * - Every event carries its revision: events at or below the revision of the listing the view
 *   was built from (already part of it, e.g. a stale replay after a cut) are dropped.
 * - Anti-entropy: the own prefix is listed again every few minutes; a view that differs from the
 *   listing is replaced by it at once. Its watch is restarted only if it does not deliver an event
 *   of each differing unit within `confirmMs` (it went silent without an error): a healthy watch
 *   has them, at revisions up to the listing's, at most in flight.
 */
export class AssignmentView {
  private byUnit = new Map<string, Assignment>();
  /** The revision the view is current to (its listing's, or a later event's). */
  private revision = -1n;
  /** The revision of the listing the view was last built from: events up to it are in it. */
  private listedAt = -1n;
  private watch: Watch | undefined;
  private watchGeneration = 0;
  /** A watch is delivering events (started from a listing and not ended by a `resync`). */
  private watchLive = false;
  /** Refresh requests made, and the last request a listing issued after it has answered. */
  private requested = 0;
  private answered = 0;
  private listing: Promise<void> | undefined;
  private again = false;
  private failures = 0;
  private cancelRetry: (() => void) | undefined;
  private cancelPeriodic: (() => void) | undefined;
  /** Units a listing showed changed that the live watch has not delivered yet. */
  private unconfirmed = new Set<string>();
  private cancelConfirm: (() => void) | undefined;
  private closed = false;

  constructor(private readonly opts: AssignmentViewOptions) {}

  /**
   * Whether the view can be acted on: a listing issued after the latest {@link refresh} was
   * applied, and its watch has not ended since.
   */
  get healthy(): boolean {
    return !this.closed && this.watchLive && this.answered >= this.requested;
  }

  /**
   * Lists the own prefix again (retrying until a listing succeeds) and starts the periodic
   * re-list; the view is not {@link healthy} until that listing is applied. The agent calls it on
   * every registration, so it never acts on deletes seen around a lost session.
   */
  refresh(): void {
    if (this.closed) return;
    this.requested++;
    if (this.cancelPeriodic === undefined) this.schedulePeriodic();
    this.kick();
  }

  /** The desired units of this machine, sorted by name. */
  desired(): Assignment[] {
    return [...this.byUnit.values()].sort((a, b) => compareStrings(a.unit, b.unit));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelRetry?.();
    this.cancelPeriodic?.();
    this.cancelConfirm?.();
    this.watchGeneration++;
    await this.watch?.close();
  }

  private kick(): void {
    if (this.closed) return;
    if (this.listing !== undefined) {
      this.again = true; // a listing issued before this request cannot answer it
      return;
    }
    this.cancelRetry?.();
    this.cancelRetry = undefined;
    this.listing = this.list(this.requested).finally(() => {
      this.listing = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** One listing, applied; a failure (of the listing or of the new watch) is retried. */
  private async list(request: number): Promise<void> {
    try {
      const list = await this.opts.registry.listAssignments(this.opts.machineId);
      this.apply(list, request);
      this.failures = 0;
    } catch (err) {
      this.failures++;
      this.opts.onError(err);
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    const policy = { ...(this.opts.retry ?? { initialMs: 500, maxMs: 10_000 }), jitter: 0.2 };
    const delay = backoff(this.failures, policy, this.opts.random);
    this.cancelRetry?.();
    this.cancelRetry = this.opts.clock.setTimer(delay, () => {
      this.cancelRetry = undefined;
      this.kick();
    });
  }

  private schedulePeriodic(): void {
    if (this.closed) return;
    const every = this.opts.relistIntervalMs ?? 300_000;
    this.cancelPeriodic = this.opts.clock.setTimer(jittered(every, 0.2, this.opts.random), () => {
      this.schedulePeriodic();
      this.kick();
    });
  }

  private apply(list: Listing<Assignment>, request: number): void {
    if (this.closed) return;
    const rev = BigInt(list.revision);
    const answers = request > this.answered;
    this.answered = Math.max(this.answered, request);
    if (this.watchLive && rev < this.revision) {
      // The live watch has shown something newer than this listing: the view is ahead of it.
      if (answers) this.opts.onChange();
      return;
    }
    const fresh = new Map(list.items.map((a) => [a.unit, a]));
    const differing = differences(this.byUnit, fresh);
    const ended = !this.watchLive;
    this.byUnit = fresh;
    this.revision = rev;
    this.listedAt = rev;
    if (ended) this.restartWatch(list.revision);
    else if (differing.length > 0) this.awaitEvents(differing);
    if (ended || answers || differing.length > 0) this.opts.onChange();
  }

  /**
   * The live watch must deliver an event of each of `units`: each changed between the view's
   * revision and the listing's, so a healthy watch has its event, if only in flight. Those it
   * has not delivered within `confirmMs` show it silent: it is restarted from the view's revision.
   */
  private awaitEvents(units: readonly string[]): void {
    for (const u of units) this.unconfirmed.add(u);
    if (this.cancelConfirm !== undefined) return;
    this.cancelConfirm = this.opts.clock.setTimer(this.opts.confirmMs ?? 10_000, () => {
      this.cancelConfirm = undefined;
      const missed = [...this.unconfirmed].sort();
      this.unconfirmed.clear();
      if (this.closed || missed.length === 0 || !this.watchLive) return;
      this.opts.onRepair?.(missed);
      this.restartWatch(this.revision.toString());
    });
  }

  private restartWatch(afterRevision: string): void {
    this.unconfirmed.clear(); // the new watch starts after all of them
    const old = this.watch;
    const generation = ++this.watchGeneration; // the old watch's events are dropped from now
    this.watch = undefined;
    this.watchLive = false; // until the new watch is running (a throw here is retried)
    old?.close().catch(this.opts.onError);
    this.watch = this.opts.registry.watchAssignments(this.opts.machineId, afterRevision, (e) =>
      this.onEvent(generation, e),
    );
    this.watchLive = true;
  }

  private onEvent(generation: number, e: AssignmentEvent): void {
    if (this.closed || generation !== this.watchGeneration) return; // a replaced watch
    if (e.type === 'resync') {
      this.watchLive = false; // not healthy until a listing succeeds
      this.kick();
      return;
    }
    this.unconfirmed.delete(e.type === 'put' ? e.assignment.unit : e.unit);
    const rev = BigInt(e.revision);
    // Already in the listing the view was built from (several events of one transaction share
    // a revision, so only the listing's revision can tell).
    if (rev <= this.listedAt) return;
    if (rev > this.revision) this.revision = rev;
    if (e.type === 'put') this.byUnit.set(e.assignment.unit, e.assignment);
    else this.byUnit.delete(e.unit);
    this.opts.onChange();
  }
}

/** Units whose assignment (hash or desired state) differs between `a` and `b`, sorted. */
function differences(
  a: ReadonlyMap<string, Assignment>,
  b: ReadonlyMap<string, Assignment>,
): string[] {
  const out: string[] = [];
  for (const [unit, x] of a) {
    const y = b.get(unit);
    if (y === undefined || y.hash !== x.hash || y.desiredState !== x.desiredState) out.push(unit);
  }
  for (const unit of b.keys()) if (!a.has(unit)) out.push(unit);
  return out.sort();
}
