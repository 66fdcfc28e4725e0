// What the client accepts of /fleet/x/machines (docs/operating.md, "Machine administrative
// state"), and the one-word state fleetctl shows for a machine.
import {
  at,
  expected,
  list,
  object,
  optional,
  schema,
  string,
  stringRecord,
  type Check,
  type Schema,
} from './schemas.js';

/** A machine an operator took out of scheduling. */
export interface WireMachineAdmin {
  readonly state: 'cordoned' | 'draining';
  readonly reason?: string;
  readonly since: string;
  readonly by?: string;
}

/** One machine as `GET /fleet/x/machines` lists it (live, or down with a record). */
export interface WireAdminMachine {
  readonly id: string;
  /** `''` for a machine that is down. */
  readonly primaryIP: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly admin: WireMachineAdmin | null;
  readonly schedulable: boolean;
  /** Draining, and no unit but global ones is left on it. */
  readonly drained: boolean;
  /** How many units are assigned to it. */
  readonly units: number;
}

/** `schedulable | cordoned | draining | drained`: `list-machines`'s `state` field. */
export type MachineStateWord = 'schedulable' | 'cordoned' | 'draining' | 'drained';

/** The state word of a machine (`schedulable` for one the list does not name). */
export function machineStateWord(m: WireAdminMachine | undefined): MachineStateWord {
  if (m?.admin == null) return 'schedulable';
  if (m.admin.state === 'cordoned') return 'cordoned';
  return m.drained ? 'drained' : 'draining';
}

const bool: Check<boolean> = (v, p) => (typeof v === 'boolean' ? v : expected('a boolean', v, p));
const count: Check<number> = (v, p) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : expected('a count', v, p);

const admin: Check<WireMachineAdmin> = (v, p) => {
  const a = object(v, p);
  const state = a.state;
  if (state !== 'cordoned' && state !== 'draining') {
    return expected('cordoned or draining', state, at(p, 'state'));
  }
  const reason = optional(string)(a.reason, at(p, 'reason'));
  const by = optional(string)(a.by, at(p, 'by'));
  return {
    state,
    ...(reason === undefined ? {} : { reason }),
    since: string(a.since, at(p, 'since')),
    ...(by === undefined ? {} : { by }),
  };
};

const machine: Check<WireAdminMachine> = (v, p) => {
  const m = object(v, p);
  return {
    id: string(m.id, at(p, 'id')),
    primaryIP: string(m.primaryIP, at(p, 'primaryIP')),
    metadata: stringRecord(m.metadata, at(p, 'metadata')),
    admin: m.admin === null ? null : admin(m.admin, at(p, 'admin')),
    schedulable: bool(m.schedulable, at(p, 'schedulable')),
    drained: bool(m.drained, at(p, 'drained')),
    units: count(m.units, at(p, 'units')),
  };
};

/** `{"machines": [...]}`. */
export const adminMachineListSchema: Schema<{ machines: WireAdminMachine[] }> = schema((v, p) => ({
  machines: list(machine)(object(v, p).machines, at(p, 'machines')),
}));

/** `{"machine": {...}}`: the answer of a cordon, uncordon or drain. */
export const adminMachineSchema: Schema<{ machine: WireAdminMachine }> = schema((v, p) => ({
  machine: machine(object(v, p).machine, at(p, 'machine')),
}));
