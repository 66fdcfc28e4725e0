// The maintenance semaphore (docs/operating.md): one key, `maintenance`, read, then written only if
// its mod revision is still the one read (create revision 0 when it did not exist), retried on a
// lost race. Two machines entering at once with one slot left: exactly one gets it.
import { z } from 'zod';
import { ConflictError, CorruptRecordError, InvalidInputError } from '../errors.js';
import type { KvCompare, KvRecord } from '../kv/kv.js';
import type {
  Maintenance,
  MaintenanceEnterResult,
  MaintenanceHolder,
} from '../maintenance-types.js';
import type { Core } from './core.js';
import { checkMachineId } from './validate.js';

const holderSchema = z.object({
  machineId: z.string().min(1).max(255),
  since: z.string().min(1).max(64),
  reason: z.string().max(1024).optional(),
});

const maintenanceSchema = z.object({
  limit: z.number().int().min(1),
  holders: z.array(holderSchema),
});

type Stored = z.infer<typeof maintenanceSchema>;

const EMPTY: Stored = { limit: 1, holders: [] };
const MAX_REASON = 1024;

interface Read {
  readonly stored: Stored;
  /** The key's mod revision, 0n when absent. */
  readonly mod: bigint;
}

async function read(core: Core): Promise<Read> {
  const key = core.keys.maintenance();
  const rec: KvRecord | undefined = (await core.kv.range({ key })).kvs[0];
  if (rec === undefined) return { stored: EMPTY, mod: 0n };
  const stored = core.decode(maintenanceSchema, rec);
  if (stored === undefined) throw new CorruptRecordError(key, 'cannot read the maintenance key');
  return { stored, mod: rec.modRevision };
}

function view(stored: Stored, revision: bigint): Maintenance {
  return { limit: stored.limit, holders: stored.holders.map(holder), revision: String(revision) };
}

function holder(h: z.infer<typeof holderSchema>): MaintenanceHolder {
  return h.reason === undefined
    ? { machineId: h.machineId, since: h.since }
    : { machineId: h.machineId, since: h.since, reason: h.reason };
}

/** Writes `next` if the key is still at `mod`; the new revision, or undefined if it moved. */
async function swap(core: Core, mod: bigint, next: Stored): Promise<bigint | undefined> {
  const key = core.keys.maintenance();
  const compare: KvCompare =
    mod === 0n
      ? { key, target: 'create', op: '==', value: 0n }
      : { key, target: 'mod', op: '==', value: mod };
  const res = await core.kv.txn({
    compare: [compare],
    success: [{ type: 'put', key, value: JSON.stringify(next) }],
    failure: [],
  });
  return res.succeeded ? res.revision : undefined;
}

/**
 * Reads, lets `change` decide (undefined: nothing to write), and swaps; retried while the key
 * moves under it.
 */
async function update<T>(
  core: Core,
  what: string,
  change: (cur: Read) => { next?: Stored; result: (m: Maintenance) => T },
): Promise<T> {
  for (let attempt = 0; attempt < core.limits.maxCasAttempts; attempt++) {
    const cur = await read(core);
    const { next, result } = change(cur);
    if (next === undefined) return result(view(cur.stored, cur.mod));
    const rev = await swap(core, cur.mod, next);
    if (rev !== undefined) return result(view(next, rev));
  }
  throw new ConflictError(`the maintenance key kept changing; ${what} gave up`);
}

/** See {@link MaintenanceRegistry.getMaintenance}. */
export async function getMaintenance(core: Core): Promise<Maintenance> {
  const cur = await read(core);
  return view(cur.stored, cur.mod);
}

/** See {@link MaintenanceRegistry.enterMaintenance}. */
export async function enterMaintenance(
  core: Core,
  machineIdIn: string,
  reason?: string,
): Promise<MaintenanceEnterResult> {
  const machineId = checkMachineId(machineIdIn);
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_REASON)) {
    throw new InvalidInputError(`a reason must be a string of at most ${MAX_REASON} characters`);
  }
  return update<MaintenanceEnterResult>(core, `entering ${machineId}`, ({ stored }) => {
    const own = stored.holders.find((h) => h.machineId === machineId);
    if (own !== undefined) {
      return { result: (m) => ({ outcome: 'held', holder: holder(own), maintenance: m }) };
    }
    if (stored.holders.length >= stored.limit) {
      return { result: (m) => ({ outcome: 'full', maintenance: m }) };
    }
    const mine = {
      machineId,
      since: new Date().toISOString(),
      ...(reason === undefined || reason === '' ? {} : { reason }),
    };
    return {
      next: { limit: stored.limit, holders: [...stored.holders, mine] },
      result: (m) => ({ outcome: 'entered', holder: holder(mine), maintenance: m }),
    };
  });
}

/** See {@link MaintenanceRegistry.exitMaintenance}. */
export async function exitMaintenance(
  core: Core,
  machineIdIn: string,
): Promise<{ exited: boolean; maintenance: Maintenance }> {
  const machineId = checkMachineId(machineIdIn);
  return update<{ exited: boolean; maintenance: Maintenance }>(
    core,
    `exiting ${machineId}`,
    ({ stored }) => {
      const rest = stored.holders.filter((h) => h.machineId !== machineId);
      if (rest.length === stored.holders.length) {
        return { result: (m) => ({ exited: false, maintenance: m }) };
      }
      return {
        next: { limit: stored.limit, holders: rest },
        result: (m) => ({ exited: true, maintenance: m }),
      };
    },
  );
}

/** See {@link MaintenanceRegistry.setMaintenanceLimit}. */
export async function setMaintenanceLimit(core: Core, limit: number): Promise<Maintenance> {
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) {
    throw new InvalidInputError(
      `invalid maintenance limit ${JSON.stringify(limit)}: an integer of at least 1`,
    );
  }
  return update(core, 'setting the limit', ({ stored }) =>
    stored.limit === limit
      ? { result: (m) => m }
      : { next: { limit, holders: stored.holders }, result: (m) => m },
  );
}
