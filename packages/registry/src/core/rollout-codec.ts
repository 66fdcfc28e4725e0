// The stored form of a rollout record (`rollout/<group>`, `rollout-history/<group>/<id>`):
// checked with zod on the way in (bad input refused) and on the way out (corrupt records skipped).
import { isStoredUnitName } from '@fleet/unit';
import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import type { KvRecord } from '../kv/kv.js';
import type { Rollout, RolloutInput } from '../rollout-types.js';
import type { Core } from './core.js';

const hash = z.string().regex(/^[0-9a-f]{40}$/, 'expected a 40-hex SHA-1');
const unitName = z.string().refine(isStoredUnitName, 'expected a unit name');
const time = z.string().min(1).max(64);
const machineId = z.string().regex(/^[\x21-\x2e\x30-\x7e]{1,255}$/, 'expected a machine ID');

const copySchema = z.object({
  unit: unitName,
  machineId,
  phase: z.enum(['pending', 'replacing', 'done', 'failed', 'reverted']),
  replacedAt: time.optional(),
  healthySince: time.optional(),
});

/** A rollout record as stored (no revision: that is the key's mod revision). */
export const rolloutSchema = z.object({
  group: unitName,
  id: z.number().int().min(1).max(9_999_999_999),
  state: z.enum(['running', 'paused', 'succeeded', 'failed', 'rolling-back', 'rolled-back']),
  fromHash: hash,
  toHash: hash,
  units: z.array(unitName),
  policy: z.object({
    maxParallel: z.number().int().min(1),
    minHealthySec: z.number().int().min(0),
    healthyDeadlineSec: z.number().int().min(1),
    autoRevert: z.boolean(),
  }),
  copies: z.array(copySchema),
  reason: z.string().optional(),
  startedAt: time,
  updatedAt: time,
  finishedAt: time.optional(),
});

/** Checks and encodes a record the engine writes (only the record's own fields are kept). */
export function encodeRollout(input: RolloutInput): { record: RolloutInput; json: string } {
  const parsed = rolloutSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
    throw new InvalidInputError(`invalid rollout record: ${where}${issue?.message ?? 'invalid'}`);
  }
  const record = parsed.data as RolloutInput;
  return { record, json: JSON.stringify(record) };
}

/** Decodes a stored record; a corrupt one (or one that contradicts its key) is reported, skipped. */
export function decodeRollout(core: Core, rec: KvRecord): Rollout | undefined {
  const r = core.decode(rolloutSchema, rec);
  if (r === undefined) return undefined;
  const parsed = core.keys.parse(rec.key);
  const group =
    parsed?.kind === 'rollout' || parsed?.kind === 'rollout-history' ? parsed.group : '';
  if (r.group !== group) return core.corrupt(rec.key, `record names group ${r.group}`);
  if (parsed?.kind === 'rollout-history' && parsed.id !== r.id) {
    return core.corrupt(rec.key, `record has id ${r.id}`);
  }
  return { ...(r as RolloutInput), revision: rec.modRevision.toString() };
}

/** The hashes a record pins. */
export function pinnedHashes(r: Pick<RolloutInput, 'fromHash' | 'toHash'>): string[] {
  return r.fromHash === r.toHash ? [r.fromHash] : [r.fromHash, r.toHash];
}
