// Machine-admin records (`machine-admin/<machineId>`): checked with zod on the way in (bad input
// refused) and on the way out (corrupt records skipped, reported).
import { compareStrings } from '@fleet/unit';
import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import type { KvRecord } from '../kv/kv.js';
import type { MachineAdmin, MachineAdminEvent, MachineAdminInput } from '../machine-admin-types.js';
import type { Watch } from '../registry.js';
import type { Listing, ResyncEvent } from '../types.js';
import type { Core } from './core.js';
import { rangeAll, snapshot } from './read.js';
import { checkMachineId } from './validate.js';
import { keyOf, revOf, watchRange } from './watches.js';

/** A record as stored (the machine ID is the key's). */
export const machineAdminSchema = z
  .object({
    state: z.enum(['cordoned', 'draining']),
    reason: z.string().max(1024).optional(),
    since: z.string().min(1).max(64),
    by: z.string().max(256).optional(),
  })
  .strict();

function encode(input: MachineAdminInput): string {
  const parsed = machineAdminSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
    throw new InvalidInputError(
      `invalid machine-admin record: ${where}${issue?.message ?? 'invalid'}`,
    );
  }
  return JSON.stringify(parsed.data);
}

function decodeAdmin(core: Core, rec: KvRecord): MachineAdmin | undefined {
  const parsed = core.keys.parse(rec.key);
  if (parsed?.kind !== 'machine-admin') return undefined;
  const r = core.decode(machineAdminSchema, rec);
  if (r === undefined) return undefined;
  return {
    machineId: parsed.machineId,
    state: r.state,
    since: r.since,
    ...(r.reason === undefined ? {} : { reason: r.reason }),
    ...(r.by === undefined ? {} : { by: r.by }),
    revision: rec.modRevision.toString(),
  };
}

/** See {@link Registry.setMachineAdmin}. */
export async function setMachineAdmin(
  core: Core,
  machineIdIn: string,
  record: MachineAdminInput | null,
): Promise<MachineAdmin | undefined> {
  const machineId = checkMachineId(machineIdIn);
  const key = core.keys.machineAdmin(machineId);
  if (record === null) {
    await core.kv.txn({ compare: [], success: [{ type: 'delete', key }], failure: [] });
    return undefined;
  }
  const value = encode(record);
  const res = await core.kv.txn({
    compare: [],
    success: [{ type: 'put', key, value }],
    failure: [],
  });
  const stored = JSON.parse(value) as MachineAdminInput;
  return { machineId, ...stored, revision: res.revision.toString() };
}

/** See {@link Registry.listMachineAdmin}. */
export async function listMachineAdmin(core: Core): Promise<Listing<MachineAdmin>> {
  return snapshot(async () => {
    const { kvs, revision } = await rangeAll(core, core.keys.machineAdmins());
    const items = kvs.flatMap((rec) => decodeAdmin(core, rec) ?? []);
    items.sort((a, b) => compareStrings(a.machineId, b.machineId));
    return { items, revision: revision.toString() };
  });
}

/** See {@link Registry.watchMachineAdmin}. */
export function watchMachineAdmin(
  core: Core,
  afterRevision: string,
  onEvent: (e: MachineAdminEvent) => void,
): Watch {
  return watchRange<Exclude<MachineAdminEvent, ResyncEvent>>(
    core,
    core.keys.machineAdmins(),
    afterRevision,
    onEvent,
    (ev) => {
      const parsed = core.keys.parse(keyOf(ev));
      if (parsed?.kind !== 'machine-admin') return undefined;
      const revision = revOf(ev);
      if (ev.type === 'delete') return { type: 'delete', machineId: parsed.machineId, revision };
      const admin = decodeAdmin(core, ev.kv);
      return admin === undefined ? undefined : { type: 'put', admin, revision };
    },
  );
}
