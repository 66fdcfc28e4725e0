// The machine-admin part of the Registry port: cordon and drain records, not leased.
import type { Watch } from './registry.js';
import type { MachineAdmin, MachineAdminEvent, MachineAdminInput } from './machine-admin-types.js';
import type { Listing } from './types.js';

/**
 * One record per machine an operator took out of scheduling, at `machine-admin/<machineId>`:
 * not bound to a lease, so it survives fleetd restarts and reboots. The machine need not be
 * registered (a machine may be cordoned while it is down).
 */
export interface MachineAdminRegistry {
  /**
   * Writes (or with `null` deletes) one machine's record. Deleting a record that is not there
   * changes nothing.
   * @returns the record as stored, or `undefined` after a delete.
   * @throws InvalidInputError for a bad machine ID or record (nothing written).
   */
  setMachineAdmin(
    machineId: string,
    record: MachineAdminInput | null,
  ): Promise<MachineAdmin | undefined>;

  /** Every record, sorted by machine ID, read at one revision. */
  listMachineAdmin(): Promise<Listing<MachineAdmin>>;

  /** As {@link Registry.watchUnits}, for machine-admin records. */
  watchMachineAdmin(afterRevision: string, onEvent: (e: MachineAdminEvent) => void): Watch;
}
