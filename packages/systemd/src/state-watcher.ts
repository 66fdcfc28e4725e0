// The change stream behind `Systemd.onChange`, shared by both implementations: hints (signals,
// our own calls) mark units dirty, one coalesced batched read finds what really changed, and a
// periodic read of every watched unit catches whatever a lost hint missed.
import type { Clock } from '@fleet/runtime';
import type { UnitChangeListener, SystemdUnitStatus, UnitStatusChange } from './systemd.js';

/** How a {@link StateWatcher} reads states and when. */
export interface StateWatcherOptions {
  /** Reads the current state of `names` (one batched call; it may chunk). */
  read(names: readonly string[]): Promise<Map<string, SystemdUnitStatus>>;
  timers: Clock;
  /** Hints arriving within this span share one read. */
  coalesceMs: number;
  /** Every watched unit is re-read this often, hint or not. */
  pollIntervalMs: number;
  /**
   * A unit systemd refuses to load (`bad-setting`, `error`) and that is not running is re-read
   * only this often without a hint (default 60 s): systemd keeps no such unit in memory, so every
   * read loads it afresh and logs its refusal to the journal again. Hints (our own calls, a
   * daemon-reload, signals) still re-read it at once.
   */
  refusedPollIntervalMs?: number;
  /** A read failed; the next poll tries again. */
  onError?: (err: unknown) => void;
}

const REFUSED = new Set(['bad-setting', 'error']);

/** A unit systemd would load (and refuse) afresh on every read. */
function refused(s: SystemdUnitStatus | undefined): boolean {
  return s !== undefined && REFUSED.has(s.load) && s.active === 'inactive';
}

/** Whether two states differ in anything a listener cares about. */
export function sameState(a: SystemdUnitStatus, b: SystemdUnitStatus): boolean {
  return (
    a.load === b.load &&
    a.active === b.active &&
    a.sub === b.sub &&
    a.job === b.job &&
    a.hash === b.hash
  );
}

/**
 * Tracks the watched units' last seen states and reports real changes to listeners. Reads never
 * overlap, so each listener sees a unit's changes in order.
 */
export class StateWatcher {
  private readonly watched = new Set<string>();
  private readonly last = new Map<string, SystemdUnitStatus>();
  private readonly dirty = new Set<string>();
  private readonly listeners = new Set<UnitChangeListener>();
  private cancelFlush: (() => void) | undefined;
  private cancelPoll: (() => void) | undefined;
  private reading = false;
  private running = false;
  /** When refused units were last included in a periodic re-read. */
  private refusedPolledAt = -Infinity;

  constructor(private readonly opts: StateWatcherOptions) {}

  /** Starts the periodic poll (and any read already hinted). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedulePoll();
    this.scheduleFlush();
  }

  /** Stops all timers; hints are kept for a later `start()`. */
  stop(): void {
    this.running = false;
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    this.cancelPoll?.();
    this.cancelPoll = undefined;
  }

  /** Starts reporting `names`; their next read is reported even if nothing changed. */
  watch(names: readonly string[]): void {
    for (const name of names) {
      if (this.watched.has(name)) continue;
      this.watched.add(name);
      this.hint(name);
    }
  }

  unwatch(names: readonly string[]): void {
    for (const name of names) {
      this.watched.delete(name);
      this.last.delete(name);
      this.dirty.delete(name);
    }
  }

  /** The unit may have changed: re-read it soon (ignored unless watched). */
  hint(name: string): void {
    if (!this.watched.has(name)) return;
    this.dirty.add(name);
    this.scheduleFlush();
  }

  /** Anything may have changed (a reload, a reconnect): re-read every watched unit soon. */
  hintAll(): void {
    for (const name of this.watched) this.dirty.add(name);
    this.scheduleFlush();
  }

  /** The last state seen of a watched unit. */
  lastState(name: string): SystemdUnitStatus | undefined {
    return this.last.get(name);
  }

  onChange(listener: UnitChangeListener): () => void {
    // Wrapped, so that one listener registered twice is two registrations.
    const entry: UnitChangeListener = (changes) => listener(changes);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  private schedulePoll(): void {
    this.cancelPoll = this.opts.timers.setTimer(this.opts.pollIntervalMs, () => {
      this.cancelPoll = undefined;
      if (!this.running) return;
      const now = this.opts.timers.monotonic();
      const withRefused = now - this.refusedPolledAt >= (this.opts.refusedPollIntervalMs ?? 60_000);
      if (withRefused) this.refusedPolledAt = now;
      for (const name of this.watched) {
        if (withRefused || !refused(this.last.get(name))) this.dirty.add(name);
      }
      this.scheduleFlush();
      this.schedulePoll();
    });
  }

  private scheduleFlush(): void {
    if (!this.running || this.reading || this.cancelFlush !== undefined) return;
    if (this.dirty.size === 0) return;
    this.cancelFlush = this.opts.timers.setTimer(this.opts.coalesceMs, () => {
      this.cancelFlush = undefined;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (!this.running || this.dirty.size === 0) return;
    const names = [...this.dirty].sort();
    this.dirty.clear();
    this.reading = true;
    try {
      const states = await this.opts.read(names);
      if (this.running) this.report(names, states);
    } catch (err) {
      this.opts.onError?.(err);
    } finally {
      this.reading = false;
      this.scheduleFlush();
    }
  }

  private report(names: readonly string[], states: Map<string, SystemdUnitStatus>): void {
    const changes: UnitStatusChange[] = [];
    for (const name of names) {
      const state = states.get(name);
      if (state === undefined || !this.watched.has(name)) continue;
      const previous = this.last.get(name);
      if (previous !== undefined && sameState(previous, state)) continue;
      this.last.set(name, state);
      changes.push({ name, state });
    }
    if (changes.length === 0) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(changes);
      } catch (err) {
        this.opts.onError?.(err);
      }
    }
  }
}
