// `PATCH /machines`: decoding and validating fleet's metadata ops. Both value forms are accepted:
// the nested `{"value": {"value": "x"}}` fleet's code used and the bare `{"value": "x"}` its docs
// showed. Every op is checked before any is applied. Keys are fleet's (`[A-Za-z0-9_.-]+`, so
// `__proto__` is a key like any other: the registry stores and returns it).
import type { MetadataChange } from '@fleet/registry';
import { HttpError } from './errors.js';

/** fleet's path rule: `/<machineID>/metadata/<key>`. */
const METADATA_PATH = /^\/([^/]+)\/metadata\/([A-Za-z0-9_.-]+)$/;

/**
 * Longest metadata value, in UTF-8 bytes. fleet had no limit; values are labels such as
 * `region=eu-west-1` matched by `MachineMetadata=`, and every value is sent with every machine
 * of every `GET /machines` page, so a 1 MiB value (which fleet accepted) costs every reader.
 */
export const MAX_METADATA_VALUE_BYTES = 1024;

/** Longest metadata key, in characters (fleet had no limit; it is part of an etcd key). */
export const MAX_METADATA_KEY_LENGTH = 255;

const OPS: ReadonlySet<string> = new Set(['add', 'replace', 'remove']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The string an add/replace op sets, from either value form. */
function opValue(value: unknown, index: number): string {
  const inner = isObject(value) ? value['value'] : value;
  if (inner === undefined || inner === null || inner === '') {
    throw new HttpError(400, 'invalid value: add and replace require a value');
  }
  if (typeof inner !== 'string') {
    throw new HttpError(
      400,
      `invalid value in op ${index}: expected a string or {"value": "<string>"}`,
    );
  }
  const bytes = Buffer.byteLength(inner, 'utf8');
  if (bytes > MAX_METADATA_VALUE_BYTES) {
    throw new HttpError(
      400,
      `invalid value in op ${index}: it is ${bytes} bytes long (max ${MAX_METADATA_VALUE_BYTES})`,
    );
  }
  return inner;
}

/**
 * Turns a PATCH body into registry changes (`remove` becomes `value: null`), in order.
 * @throws HttpError 400 with fleet's messages (`invalid op: expect add, remove, or replace`,
 * `machine metadata path invalid`, `invalid value: add and replace require a value`)
 */
export function parseMetadataPatch(body: unknown): MetadataChange[] {
  if (!Array.isArray(body)) {
    throw new HttpError(400, 'unable to decode body: expected a JSON array of operations');
  }
  return (body as unknown[]).map((raw, index): MetadataChange => {
    if (!isObject(raw)) {
      throw new HttpError(400, `unable to decode body: operation ${index} is not an object`);
    }
    const op = raw['op'];
    if (typeof op !== 'string' || !OPS.has(op)) {
      throw new HttpError(400, 'invalid op: expect add, remove, or replace');
    }
    const path = raw['path'];
    const match = typeof path === 'string' ? METADATA_PATH.exec(path) : null;
    const machineId = match?.[1];
    const key = match?.[2];
    if (machineId === undefined || key === undefined) {
      throw new HttpError(400, 'machine metadata path invalid');
    }
    if (key.length > MAX_METADATA_KEY_LENGTH) {
      throw new HttpError(
        400,
        `invalid key in op ${index}: it is ${key.length} characters long (max ${MAX_METADATA_KEY_LENGTH})`,
      );
    }
    if (op === 'remove') return { machineId, key, value: null };
    return { machineId, key, value: opValue(raw['value'], index) };
  });
}
