// The maintenance semaphore on the wire (docs/operating.md, "Coordinated maintenance"): what
// `/fleet/x/maintenance` answers, and the client's checks of it.
import { at, expected, list, object, optional, schema, string, type Check } from './schemas.js';

/** One machine holding a maintenance slot. */
export interface WireMaintenanceHolder {
  readonly machineId: string;
  readonly since: string;
  readonly reason?: string;
}

/** `GET /fleet/x/maintenance`: the limit and who holds a slot. */
export interface WireMaintenance {
  readonly limit: number;
  readonly holders: readonly WireMaintenanceHolder[];
  readonly revision: string;
}

/** `POST /fleet/x/maintenance/enter`'s 200: `entered` now, or `held` already. */
export interface WireMaintenanceEnter {
  readonly outcome: 'entered' | 'held';
  readonly holder: WireMaintenanceHolder;
  readonly maintenance: WireMaintenance;
}

/** `POST /fleet/x/maintenance/exit`: whether the machine held a slot. */
export interface WireMaintenanceExit {
  readonly exited: boolean;
  readonly maintenance: WireMaintenance;
}

const holder: Check<WireMaintenanceHolder> = (v, p) => {
  const o = object(v, p);
  const reason = optional(string)(o.reason, at(p, 'reason'));
  return {
    machineId: string(o.machineId, at(p, 'machineId')),
    since: string(o.since, at(p, 'since')),
    ...(reason === undefined ? {} : { reason }),
  };
};

const maintenance: Check<WireMaintenance> = (v, p) => {
  const o = object(v, p);
  const limit = o.limit;
  return {
    limit:
      typeof limit === 'number' && Number.isInteger(limit)
        ? limit
        : expected('an integer', limit, at(p, 'limit')),
    holders: list(holder)(o.holders, at(p, 'holders')),
    revision: string(o.revision, at(p, 'revision')),
  };
};

export const maintenanceSchema = schema(maintenance);

export const maintenanceEnterSchema = schema<WireMaintenanceEnter>((v, p) => {
  const o = object(v, p);
  const outcome = o.outcome;
  return {
    outcome:
      outcome === 'entered' || outcome === 'held'
        ? outcome
        : expected('entered or held', outcome, at(p, 'outcome')),
    holder: holder(o.holder, at(p, 'holder')),
    maintenance: maintenance(o.maintenance, at(p, 'maintenance')),
  };
});

export const maintenanceExitSchema = schema<WireMaintenanceExit>((v, p) => {
  const o = object(v, p);
  return {
    exited:
      typeof o.exited === 'boolean' ? o.exited : expected('a boolean', o.exited, at(p, 'exited')),
    maintenance: maintenance(o.maintenance, at(p, 'maintenance')),
  };
});
