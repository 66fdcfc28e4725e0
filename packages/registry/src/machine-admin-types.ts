// A machine's administrative state (docs/operating.md, "Machine administrative state"): what
// `machine-admin/<machineId>` holds. No key means schedulable.
import type { ResyncEvent, Revision } from './types.js';

/** What an operator made of a machine: no new units (`cordoned`), or units moved away too. */
export type MachineAdminState = 'cordoned' | 'draining';

/** The record an operator's cordon or drain writes. */
export interface MachineAdminInput {
  readonly state: MachineAdminState;
  readonly reason?: string;
  /** When the machine entered this state (ISO 8601). */
  readonly since: string;
  /** Who asked (a role or a user name), when known. */
  readonly by?: string;
}

/** A stored record, with the machine it is about. */
export interface MachineAdmin extends MachineAdminInput {
  readonly machineId: string;
  readonly revision: Revision;
}

/** Changes to machine-admin records: `delete` is an uncordon. */
export type MachineAdminEvent =
  | { readonly type: 'put'; readonly admin: MachineAdmin; readonly revision: Revision }
  | { readonly type: 'delete'; readonly machineId: string; readonly revision: Revision }
  | ResyncEvent;
