// `PATCH /machines`: decoding and validating fleet's metadata ops. Both value forms are accepted:
// the nested `{"value": {"value": "x"}}` fleet's code used and the bare `{"value": "x"}` its docs
// showed. Every op is checked before any is applied.
import type { MetadataChange } from '@fleet/registry';
import { HttpError } from './errors.js';

/** fleet's path rule: `/<machineID>/metadata/<key>`. */
const METADATA_PATH = /^\/([^/]+)\/metadata\/([A-Za-z0-9_.-]+)$/;

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
    if (op === 'remove') return { machineId, key, value: null };
    return { machineId, key, value: opValue(raw['value'], index) };
  });
}
