// Reading machines and unit states, and fleet's dynamic machine metadata.
import { compareStrings } from '@fleet/unit';
import {
  encodeMetadata,
  healthFields,
  machineFields,
  machineSchema,
  metadataSchema,
  unitStateSchema,
} from '../codec.js';
import { InvalidInputError } from '../errors.js';
import type { KvOp } from '../kv/kv.js';
import type {
  JsonValue,
  Listing,
  Machine,
  MetadataChange,
  StoredMachineRecord,
  UnitState,
} from '../types.js';
import type { Core } from './core.js';
import { rangeAll, snapshot } from './read.js';
import { checkMachineId, checkMetadataChange, checkStoredUnitName } from './validate.js';

/** The entries sorted by key, as an object (`Object.fromEntries` defines `__proto__` as a key). */
function sortedRecord(r: ReadonlyMap<string, string>): Record<string, string> {
  return Object.fromEntries([...r].sort(([a], [b]) => compareStrings(a, b)));
}

/** A decoded machine record as the public type. */
export function toMachineRecord(m: ReturnType<typeof machineSchema.parse>): StoredMachineRecord {
  return {
    ...machineFields({ ...m, health: m.health as Record<string, JsonValue> }),
    ...(m.ttlSeconds === undefined ? {} : { ttlSeconds: m.ttlSeconds }),
  };
}

/** See {@link Registry.listMachines}. */
export async function listMachines(core: Core): Promise<Listing<Machine>> {
  return snapshot(async () => {
    const { kvs, revision } = await rangeAll(core, core.keys.machines());
    const records = new Map<string, { record: StoredMachineRecord; revision: bigint }>();
    const dynamic = new Map<string, Map<string, string | null>>();
    for (const rec of kvs) {
      const parsed = core.keys.parse(rec.key);
      if (parsed?.kind === 'machine') {
        const m = core.decode(machineSchema, rec);
        if (m === undefined) continue;
        if (m.id !== parsed.machineId) {
          core.corrupt(rec.key, `record names machine ${m.id}`);
          continue;
        }
        records.set(m.id, { record: toMachineRecord(m), revision: rec.modRevision });
      } else if (parsed?.kind === 'metadata') {
        const v = core.decode(metadataSchema, rec);
        if (v === undefined) continue;
        const forMachine = dynamic.get(parsed.machineId) ?? new Map<string, string | null>();
        forMachine.set(parsed.key, v.value);
        dynamic.set(parsed.machineId, forMachine);
      } else {
        core.corrupt(rec.key, 'not a machine key');
      }
    }
    const items: Machine[] = [];
    for (const [id, { record, revision: rev }] of records) {
      // A Map, not `obj[k] = v`: a key such as `__proto__` (valid in fleet's key rule) would set
      // the object's prototype instead of a property, and the key would silently vanish.
      const merged = new Map(Object.entries(record.metadata));
      for (const [k, v] of dynamic.get(id) ?? []) {
        if (v === null) merged.delete(k);
        else merged.set(k, v);
      }
      items.push({
        ...record,
        metadata: sortedRecord(merged),
        configMetadata: record.metadata,
        revision: rev.toString(),
      });
    }
    items.sort((a, b) => compareStrings(a.id, b.id));
    return { items, revision: revision.toString() };
  });
}

/** See {@link Registry.setMachineMetadata}. */
export async function setMachineMetadata(
  core: Core,
  changes: readonly MetadataChange[],
): Promise<void> {
  const last = new Map<string, MetadataChange>();
  for (const c of changes) {
    checkMetadataChange(c);
    const key = core.keys.metadata(c.machineId, c.key);
    last.delete(key);
    last.set(key, c);
  }
  if (last.size === 0) return;
  if (last.size > core.limits.maxOpsPerTxn) {
    throw new InvalidInputError(
      `at most ${core.limits.maxOpsPerTxn} metadata changes at once, got ${last.size}`,
    );
  }
  const ops: KvOp[] = [...last].map(([key, c]) => ({
    type: 'put',
    key,
    value: encodeMetadata(c.value),
  }));
  await core.kv.txn({ compare: [], success: ops, failure: [] });
}

/** See {@link Registry.listUnitStates}. */
export async function listUnitStates(
  core: Core,
  filter: { readonly machineId?: string; readonly unitName?: string } = {},
): Promise<Listing<UnitState>> {
  const machineId = filter.machineId === undefined ? undefined : checkMachineId(filter.machineId);
  const unitName = filter.unitName === undefined ? undefined : checkStoredUnitName(filter.unitName);
  return snapshot(async () => {
    const { kvs, revision } =
      unitName !== undefined && machineId !== undefined
        ? await core.kv.range({ key: core.keys.state(unitName, machineId) })
        : await rangeAll(core, core.keys.states(unitName));
    const items: UnitState[] = [];
    for (const rec of kvs) {
      const parsed = core.keys.parse(rec.key);
      if (parsed?.kind !== 'state') {
        core.corrupt(rec.key, 'not a unit state key');
        continue;
      }
      if (machineId !== undefined && parsed.machineId !== machineId) continue;
      const s = core.decode(unitStateSchema, rec);
      if (s === undefined) continue;
      if (s.unit !== parsed.name || s.machineId !== parsed.machineId) {
        core.corrupt(rec.key, `record is about ${s.unit} on ${s.machineId}`);
        continue;
      }
      const { state, health, ...rest } = s;
      items.push({
        ...rest,
        ...(state === undefined ? {} : { state }),
        ...(health === undefined ? {} : { health: healthFields(health) }),
        revision: rec.modRevision.toString(),
      });
    }
    items.sort(
      (a, b) => compareStrings(a.unit, b.unit) || compareStrings(a.machineId, b.machineId),
    );
    return { items, revision: revision.toString() };
  });
}
