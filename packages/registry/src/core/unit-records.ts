// Reading unit records: decode `unit/<name>` (checked against its key) into UnitHeads, and
// prepare a submitted unit for writing (validated, hashed, encoded, size-checked).
import { unitHash, type DesiredState, type UnitOption } from '@fleet/unit';
import {
  encodeContent,
  encodeUnit,
  reasonSchema,
  unitRecordSchema,
  type UnitRecord,
} from '../codec.js';
import { UnitTooLargeError } from '../errors.js';
import type { KvRecord } from '../kv/kv.js';
import type { UnitHead, UnitInput } from '../types.js';
import type { Core } from './core.js';
import { checkDesiredState, checkOptions, checkUnitName } from './validate.js';

/** A unit ready to be written. */
export interface PreparedUnit {
  readonly name: string;
  readonly hash: string;
  readonly desiredState: DesiredState;
  readonly options: readonly UnitOption[];
  readonly unitJson: string;
  readonly contentJson: string;
  /** Its transaction's size in bytes, as checked against the request limit. */
  readonly bytes: number;
}

/** Room for keys, compares and framing in a unit's transaction. */
const TXN_OVERHEAD_BYTES = 1024;

/**
 * Validates and encodes a unit.
 * @throws InvalidInputError, or UnitTooLargeError if its transaction would exceed the limit.
 */
export function prepareUnit(core: Core, input: UnitInput): PreparedUnit {
  const name = checkUnitName(input.name);
  const desiredState = checkDesiredState(input.desiredState);
  const options = checkOptions(input.options);
  const hash = unitHash(options);
  const unitJson = encodeUnit(name, hash, desiredState);
  const contentJson = encodeContent(options);
  const bytes =
    Buffer.byteLength(unitJson) +
    Buffer.byteLength(contentJson) +
    core.keys.unit(name).length +
    core.keys.content(hash).length +
    core.keys.ref(hash, name).length +
    TXN_OVERHEAD_BYTES;
  if (bytes > core.limits.maxRequestBytes) {
    throw new UnitTooLargeError(name, bytes, core.limits.maxRequestBytes);
  }
  return { name, hash, desiredState, options, unitJson, contentJson, bytes };
}

/** Decodes a unit record and checks it belongs to `name`; reports and skips corrupt ones. */
export function decodeUnit(core: Core, rec: KvRecord, name: string): UnitRecord | undefined {
  const u = core.decode(unitRecordSchema, rec);
  if (u === undefined) return undefined;
  if (u.name !== name) return core.corrupt(rec.key, `record names unit ${u.name}`);
  return u;
}

/** Decodes a `reason/<name>` record. */
export function decodeReason(core: Core, rec: KvRecord | undefined): string | undefined {
  return rec === undefined ? undefined : core.decode(reasonSchema, rec)?.reason;
}

/** The UnitHead for a decoded record. */
export function toHead(u: UnitRecord, modRevision: bigint, reason?: string): UnitHead {
  return {
    name: u.name,
    hash: u.hash,
    desiredState: u.desiredState,
    revision: modRevision.toString(),
    ...(reason === undefined ? {} : { reason }),
  };
}
