// A unit's identity: the SHA-1 of its canonical text, as fleet computes it.
import { createHash } from 'node:crypto';
import type { UnitOption } from './option.js';
import { serializeUnitOptions } from './serialize.js';

/**
 * fleet's unit hash: lowercase hex SHA-1 (40 characters) of
 * {@link serializeUnitOptions}. Files that differ only in comments, blank lines or
 * whitespace around names and values hash the same; option order matters.
 */
export function unitHash(options: readonly UnitOption[]): string {
  return createHash('sha1').update(serializeUnitOptions(options), 'utf8').digest('hex');
}

/** Length of the short hash fleetctl shows. */
export const SHORT_HASH_LENGTH = 7;

/** The short form of a unit hash that fleetctl shows: its first 7 characters. */
export function shortHash(hash: string): string {
  return hash.slice(0, SHORT_HASH_LENGTH);
}
