import type { MachineSession, UnitStateInput } from '@fleet/registry';
import type { UnitState } from '@fleet/systemd';

/**
 * Publishes each owned unit's systemd state (and the agent's job state) under the machine's
 * session, only when it changed, and removes the states of units the agent no longer owns.
 * After a new session (re-registration) everything is published again.
 */
export class StatePublisher {
  private session: MachineSession | undefined;
  private readonly published = new Map<string, string>();
  private readonly wanted = new Map<string, UnitStateInput>();
  private flushing: Promise<void> | undefined;
  private again = false;

  constructor(private readonly onError: (err: unknown) => void) {}

  /** Publishes through a new session from now on (everything is sent again). */
  useSession(session: MachineSession | undefined): void {
    this.session = session;
    this.published.clear();
    this.kick();
  }

  /** The state of an owned unit; `launched` is the agent's job state. */
  set(unit: string, state: UnitState, launched: boolean): void {
    if (state.hash === undefined) return; // not our file (yet): nothing trustworthy to publish
    this.wanted.set(unit, {
      unit,
      hash: state.hash,
      loadState: state.load,
      activeState: state.active,
      subState: state.sub,
      state: launched ? 'launched' : 'loaded',
    });
    this.kick();
  }

  /** The unit is no longer owned here: its state is removed. */
  drop(unit: string): void {
    if (!this.wanted.delete(unit) && !this.published.has(unit)) return;
    this.kick();
  }

  /** Units whose state is published or pending. */
  units(): string[] {
    return [...this.wanted.keys()];
  }

  /** Resolves once everything wanted so far is published (or failed). */
  async settled(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  private kick(): void {
    if (this.flushing !== undefined) {
      this.again = true;
      return;
    }
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  private async flush(): Promise<void> {
    const session = this.session;
    if (session === undefined || session.signal.aborted) return;
    const work: Promise<void>[] = [];
    for (const [unit, s] of this.wanted) {
      const key = JSON.stringify(s);
      if (this.published.get(unit) === key) continue;
      work.push(
        session.publishUnitState(s).then(
          () => void this.published.set(unit, key),
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
}
