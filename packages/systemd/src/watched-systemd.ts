// What both implementations of the port share around the change stream: the StateWatcher that
// serves watch/unwatch/onChange, and the one closed-and-name check every operation starts with.
// A base class, so the two can never check differently (they did: review D15).
import type { Clock } from '@fleet/runtime';
import { SystemdClosedError } from './errors.js';
import { requireUnitName } from './names.js';
import { StateWatcher } from './state-watcher.js';
import type { Systemd, UnitChangeListener, SystemdUnitStatus } from './systemd.js';

/** How the change stream of a {@link WatchedSystemd} runs. */
export interface WatchOptions {
  /** Clock and timers of the periodic and coalesced re-reads. */
  readonly clock: Clock;
  /** Hints arriving within this span share one re-read. */
  readonly coalesceMs: number;
  /** Every watched unit is re-read this often. */
  readonly pollIntervalMs: number;
  /** A re-read failed; the next poll tries again. */
  readonly onError?: (err: unknown) => void;
}

/**
 * The part of a Systemd that is the same whatever talks to systemd: the watched units'
 * change stream over {@link unitStates}, and closing.
 */
export abstract class WatchedSystemd implements Pick<Systemd, 'watch' | 'unwatch' | 'onChange'> {
  /** The change stream; implementations hint it after their own calls and on signals. */
  protected readonly watcher: StateWatcher;
  private shut = false;

  protected constructor(opts: WatchOptions) {
    this.watcher = new StateWatcher({
      read: (names) => this.unitStates(names),
      timers: opts.clock,
      coalesceMs: opts.coalesceMs,
      pollIntervalMs: opts.pollIntervalMs,
      ...(opts.onError === undefined ? {} : { onError: opts.onError }),
    });
  }

  abstract unitStates(names: readonly string[]): Promise<Map<string, SystemdUnitStatus>>;

  watch(names: readonly string[]): void {
    this.checkOpen('watch');
    for (const name of names) requireUnitName(name, 'watch');
    this.watcher.watch(names);
  }

  unwatch(names: readonly string[]): void {
    this.watcher.unwatch(names);
  }

  onChange(listener: UnitChangeListener): () => void {
    return this.watcher.onChange(listener);
  }

  /** Whether `close()` was called. */
  protected get closed(): boolean {
    return this.shut;
  }

  /**
   * The check every operation starts with: `SYSTEMD_CLOSED` once closed, then the unit name
   * (`SYSTEMD_INVALID_ARGS`), both naming `operation`.
   */
  protected checkOpen(operation: string, name?: string): void {
    if (this.shut) throw new SystemdClosedError('closed', { operation });
    if (name !== undefined) requireUnitName(name, operation);
  }

  /** Marks this closed and stops the change stream; `false` if it was closed already. */
  protected closeWatcher(): boolean {
    const first = !this.shut;
    this.shut = true;
    this.watcher.stop();
    return first;
  }
}
