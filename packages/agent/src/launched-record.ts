// The agent's side of the launched store: seeds the launched units once at start, and records
// them whenever they change (a write per change, not per pass). The store's trouble is logged
// here, once, and never stops the agent: without the record, a restarted fleetd counts as its own
// only the units it finds running as desired, as before the store existed.
import type { Logger } from '@fleet/runtime';
import type { LaunchedStore } from './launched-store.js';

export class LaunchedRecord {
  /** The units as last recorded (sorted, one per line); undefined: nothing valid is stored. */
  private saved: string | undefined;
  /** The last save failed (logged once until one succeeds). */
  private failing = false;

  constructor(
    private readonly store: LaunchedStore | undefined,
    private readonly log: Logger,
  ) {}

  /**
   * The units the previous fleetd on this machine launched (the agent's first pass keeps those
   * that still have a unit file); none if there is no store or it cannot be read.
   */
  async restore(): Promise<Set<string>> {
    if (this.store === undefined) return new Set();
    try {
      const units = await this.store.load();
      this.saved = key(units);
      if (units.size > 0)
        this.log.info({ units: [...units].sort() }, 'units launched by the previous fleetd');
      return units;
    } catch (err) {
      this.log.warn(
        { err },
        'could not read which units the previous fleetd launched; counting none as launched (one it launched that is now set to loaded keeps running)',
      );
      return new Set();
    }
  }

  /** Records `units` if they differ from the last record. */
  async record(units: ReadonlySet<string>): Promise<void> {
    if (this.store === undefined) return;
    const k = key(units);
    if (k === this.saved) return;
    try {
      await this.store.save([...units].sort());
      this.saved = k;
      if (this.failing) this.log.info({}, 'recorded the launched units again');
      this.failing = false;
    } catch (err) {
      if (!this.failing)
        this.log.warn(
          { err },
          'could not record which units this fleetd launched; retrying after each pass',
        );
      this.failing = true;
    }
  }
}

function key(units: ReadonlySet<string>): string {
  return [...units].sort().join('\n');
}
