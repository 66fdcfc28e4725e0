import type { SystemdUnitStatus } from '@fleet/systemd';

/** A unit systemd refused to load and that is not running: systemd keeps it out of memory. */
export function isRefused(state: SystemdUnitStatus): boolean {
  return (state.load === 'bad-setting' || state.load === 'error') && state.active === 'inactive';
}

/**
 * The last state of each unit systemd refused to load, with the hash of the file it was read from.
 * Every read of such a unit makes systemd load it afresh and log the refusal again, so the agent
 * reuses this state until the file changes (the port's watcher still re-reads it once a minute).
 */
export class RefusedUnits {
  private readonly last = new Map<string, SystemdUnitStatus>();

  /** Records a state just read or reported. */
  note(unit: string, state: SystemdUnitStatus): void {
    if (isRefused(state)) this.last.set(unit, state);
    else this.last.delete(unit);
  }

  /** The remembered states of `names` whose file hash is still the one they were read with. */
  known(
    names: readonly string[],
    fileHashes: ReadonlyMap<string, string | undefined>,
  ): Map<string, SystemdUnitStatus> {
    const out = new Map<string, SystemdUnitStatus>();
    for (const n of names) {
      const s = this.last.get(n);
      if (s?.hash !== undefined && s.hash === fileHashes.get(n)) out.set(n, s);
    }
    return out;
  }

  /** Forgets units whose file is gone. */
  keepOnly(present: ReadonlyMap<string, unknown>): void {
    for (const u of this.last.keys()) if (!present.has(u)) this.last.delete(u);
  }
}
