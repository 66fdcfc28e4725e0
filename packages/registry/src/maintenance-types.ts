// The maintenance part of the Registry port (docs/operating.md, "Coordinated maintenance"): one
// cluster-wide semaphore, `maintenance`, that machines take before they drain and reboot.
import type { Revision } from './types.js';

/** One machine holding a maintenance slot. */
export interface MaintenanceHolder {
  readonly machineId: string;
  /** When it entered (ISO). */
  readonly since: string;
  readonly reason?: string;
}

/** The semaphore as stored, with the key's mod revision (`'0'` while the key does not exist). */
export interface Maintenance {
  /** How many machines may be in maintenance at once (default 1). */
  readonly limit: number;
  /** Who holds a slot, in the order they entered. */
  readonly holders: readonly MaintenanceHolder[];
  readonly revision: Revision;
}

/**
 * What {@link MaintenanceRegistry.enterMaintenance} did: `entered` (a slot taken now), `held` (the
 * machine already held one: nothing written) or `full` (every slot taken: nothing written; the
 * holders are in `maintenance`).
 */
export interface MaintenanceEnterResult {
  readonly outcome: 'entered' | 'held' | 'full';
  /** The machine's slot (absent when `full`). */
  readonly holder?: MaintenanceHolder;
  /** The semaphore after the call. */
  readonly maintenance: Maintenance;
}

/** The maintenance semaphore. Every change is a compare-and-swap on the key's mod revision. */
export interface MaintenanceRegistry {
  /** The semaphore (limit 1 and no holders before anyone wrote it). */
  getMaintenance(): Promise<Maintenance>;
  /**
   * Takes a slot for `machineId` if it holds none and fewer than `limit` machines do.
   * Idempotent: a holder asking again gets `held`. Refuses (`full`) without waiting.
   * @throws ConflictError if the key kept changing under the compare-and-swap.
   */
  enterMaintenance(machineId: string, reason?: string): Promise<MaintenanceEnterResult>;
  /**
   * Releases the machine's slot. Idempotent.
   * @returns whether it held one, and the semaphore after the call.
   */
  exitMaintenance(machineId: string): Promise<{ exited: boolean; maintenance: Maintenance }>;
  /**
   * Sets how many machines may hold a slot at once (an integer >= 1). Lowering it below the
   * number of holders takes no slot away; nobody enters until they are fewer than the limit.
   */
  setMaintenanceLimit(limit: number): Promise<Maintenance>;
}
