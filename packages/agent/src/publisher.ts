import type { MachineSession, UnitHealth, UnitStateInput } from '@fleet/registry';
import { systemClock, Trigger, type Clock } from '@fleet/runtime';
import type { SystemdUnitStatus } from '@fleet/systemd';

/**
 * Publishes each owned unit's systemd state (and the agent's job state) under the machine's
 * session, only when it changed, and removes the states of units the agent no longer owns.
 * After a new session (re-registration) everything is published again.
 */
export class StatePublisher {
  private session: MachineSession | undefined;
  private readonly published = new Map<string, string>();
  /** Each owned unit's state to publish, with its serialized form (compared with `published`). */
  private readonly wanted = new Map<
    string,
    { readonly input: UnitStateInput; readonly key: string }
  >();
  /** When each unit's pending state under way was first set (`clock.monotonic()`). */
  private readonly underWaySince = new Map<string, number>();
  /** The next flush is for a settled state: states under way younger than the window wait. */
  private settledOnly = false;
  /** Wakes the flush loop: debounced by `delayMs` (at once if 0). */
  private readonly trigger: Trigger;
  /** The flush that runs or ran last: flushes run one at a time, in order. */
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;
  /** Each unit's health-check result, for the hash it checked (health-checks.ts). */
  private readonly health = new Map<
    string,
    { readonly hash: string; readonly health: UnitHealth }
  >();

  /**
   * A unit on its way somewhere (a job queued or running, or `activating`, `deactivating`,
   * `reloading`) is published `delayMs` after the first such change, the last state of each unit
   * winning: a unit started now is usually `active` before its `activating` would be written. So
   * is an `inactive` unit that is to be launched: its file is in place and its start comes next
   * (writing that `inactive` too was a third of the keys etcd wrote for a launch). A settled
   * state (`active`, `failed`, or `inactive` where that is what is wanted; no job) goes at once,
   * with the states under way that have waited a window: it is what a client waiting on a start,
   * stop or load waits for. (Sending every state under way with it wrote the `activating` of half
   * the units of a launch: the first of a machine's units to be active took its siblings' along.)
   */
  constructor(
    private readonly onError: (err: unknown) => void,
    private readonly clock: Clock = systemClock,
    private readonly delayMs = 0,
  ) {
    this.trigger = new Trigger(clock, delayMs);
    void this.run();
  }

  /** Publishes through a new session from now on (everything is sent again). */
  useSession(session: MachineSession | undefined): void {
    this.session = session;
    this.published.clear();
    this.kick();
  }

  /** The state of an owned unit; `launched` is the agent's job state. */
  set(unit: string, state: SystemdUnitStatus, launched: boolean): void {
    if (state.hash === undefined) return; // not our file (yet): nothing trustworthy to publish
    const input = this.withHealth({
      unit,
      hash: state.hash,
      loadState: state.load,
      activeState: state.active,
      subState: state.sub,
      state: launched ? 'launched' : 'loaded',
    });
    this.wanted.set(unit, { input, key: JSON.stringify(input) });
    const now = settled(state) && !(launched && state.active === 'inactive');
    if (now) this.underWaySince.delete(unit);
    else if (!this.underWaySince.has(unit)) this.underWaySince.set(unit, this.clock.monotonic());
    this.kick(now);
  }

  /**
   * The unit's health-check result for `hash` (`undefined`: none): published with its state,
   * at once, while the unit is active with that hash.
   */
  setHealth(unit: string, hash: string, health: UnitHealth | undefined): void {
    if (health === undefined) this.health.delete(unit);
    else this.health.set(unit, { hash, health });
    const w = this.wanted.get(unit);
    if (w === undefined) return;
    const input = this.withHealth(w.input);
    const key = JSON.stringify(input);
    if (key === w.key) return;
    this.wanted.set(unit, { input, key });
    this.kick(true);
  }

  /** The unit is no longer owned here: its state is removed. */
  drop(unit: string): void {
    this.health.delete(unit);
    this.underWaySince.delete(unit);
    if (!this.wanted.delete(unit) && !this.published.has(unit)) return;
    this.kick();
  }

  /** Units whose state is published or pending. */
  units(): string[] {
    return [...this.wanted.keys()];
  }

  /** Resolves once everything wanted so far is published (or failed): a due flush runs now. */
  async settled(): Promise<void> {
    this.trigger.cancel(); // the window's flush is this one
    await this.flushNow();
  }

  /**
   * Ends the flush loop (after {@link settled}, if what is pending should go out). A flush in
   * flight is not waited for: on a link that hangs it may never end.
   */
  close(): void {
    this.closed = true;
    this.trigger.cancel();
    this.trigger.fire();
  }

  private kick(now = false): void {
    if (now || this.delayMs <= 0) {
      if (this.delayMs > 0) this.settledOnly = true;
      this.trigger.fire();
    } else this.trigger.poke();
  }

  private async run(): Promise<void> {
    for (;;) {
      await this.trigger.wait();
      if (this.closed) return;
      const settledOnly = this.settledOnly;
      this.settledOnly = false;
      await this.flushNow(settledOnly);
    }
  }

  /** Runs a flush after the one in progress (if any): it sends whatever differs by then. */
  private flushNow(settledOnly = false): Promise<void> {
    this.flushing = this.flushing.then(() => this.flush(settledOnly));
    return this.flushing;
  }

  /** @param settledOnly - states under way that have not waited a window yet are left pending */
  private async flush(settledOnly: boolean): Promise<void> {
    const session = this.session;
    if (session === undefined || session.signal.aborted) return;
    const work: Promise<void>[] = [];
    // Every changed state goes in one call (one transaction per 100 states).
    const changed: [string, string, UnitStateInput][] = [];
    const youngest = this.clock.monotonic() - this.delayMs;
    let held = false;
    for (const [unit, { input: s, key }] of this.wanted) {
      if (this.published.get(unit) === key) continue;
      if (settledOnly && (this.underWaySince.get(unit) ?? -Infinity) > youngest) {
        held = true;
        continue;
      }
      this.underWaySince.delete(unit);
      changed.push([unit, key, s]);
    }
    if (held) this.trigger.poke(); // their window
    if (changed.length > 0) {
      work.push(
        session.publishUnitStates(changed.map(([, , s]) => s)).then(
          () => {
            for (const [unit, key] of changed) this.published.set(unit, key);
          },
          (err: unknown) => this.onError(err),
        ),
      );
    }
    for (const unit of this.published.keys()) {
      if (this.wanted.has(unit)) continue;
      work.push(
        session.removeUnitState(unit).then(
          () => void this.published.delete(unit),
          (err: unknown) => this.onError(err),
        ),
      );
    }
    await Promise.all(work);
  }

  /** `s` with its unit's health if it is active with the hash checked, else without health. */
  private withHealth(s: UnitStateInput): UnitStateInput {
    const { health: _old, ...rest } = s;
    const h = this.health.get(s.unit);
    return h !== undefined && h.hash === s.hash && s.activeState === 'active'
      ? { ...rest, health: h.health }
      : rest;
  }
}

/** A state with nothing under way: no job, and not between two states. */
function settled(s: SystemdUnitStatus): boolean {
  return (
    s.job === undefined &&
    (s.active === 'active' || s.active === 'inactive' || s.active === 'failed')
  );
}
