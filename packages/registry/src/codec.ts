// The JSON stored in etcd, checked with zod at the boundary. Anything that does not decode
// is reported with its key and skipped by reads; writes always encode through here.
import { oneLine } from '@fleet/runtime';
import { z } from 'zod';
import type { UnitOption } from '@fleet/unit';
import type { DesiredState } from '@fleet/unit';
import type { JsonValue, MachineRecord, UnitHealth, UnitStateInput } from './types.js';

const desiredState = z.enum(['inactive', 'loaded', 'launched']);
const hash = z.string().regex(/^[0-9a-f]{40}$/, 'expected a 40-hex SHA-1');

/** `unit/<name>`. */
export const unitRecordSchema = z.object({ name: z.string(), hash, desiredState });
export type UnitRecord = z.infer<typeof unitRecordSchema>;

/** `content/<hash>`. */
export const contentSchema = z.object({
  options: z.array(z.object({ section: z.string(), name: z.string(), value: z.string() })),
});

/** `reason/<name>`. */
export const reasonSchema = z.object({ reason: z.string() });

/** `assign/<machineId>/<name>`. */
export const assignmentSchema = z.object({ unit: z.string(), hash, desiredState });
export type AssignmentRecord = z.infer<typeof assignmentSchema>;

/** `machine/<id>/object`. */
export const machineSchema = z.object({
  id: z.string(),
  publicIP: z.string(),
  metadata: z.record(z.string(), z.string()),
  health: z.record(z.string(), z.json()),
  version: z.string(),
  capabilities: z.array(z.string()),
  /** TTL of the session that wrote the record (absent in records of older releases). */
  ttlSeconds: z.number().int().positive().optional(),
});

/** `machine/<id>/metadata/<key>`. */
export const metadataSchema = z.object({ value: z.string().nullable() });

/** `state/<name>/<machineId>`. */
export const unitStateSchema = z.object({
  unit: z.string(),
  machineId: z.string(),
  hash,
  loadState: z.string(),
  activeState: z.string(),
  subState: z.string(),
  state: z.enum(['loaded', 'launched']).optional(),
  health: z
    .object({
      status: z.enum(['passing', 'failing']),
      output: z.string().optional(),
      checkedAt: z.string(),
    })
    .optional(),
});

/** `placed-ready`: the revision of the assignment table the placement index was completed from. */
export const placementsReadySchema = z.object({ revision: z.string() });

/** `leader`. */
export const leaderSchema = z.object({ candidateId: z.string() });

/** Why a stored value did not decode, in one line. */
export type DecodeResult<T> = { ok: true; value: T } | { ok: false; detail: string };

/** Parses JSON and checks it against `schema`. */
export function decode<T>(schema: z.ZodType<T>, raw: string): DecodeResult<T> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { ok: false, detail: `not JSON: ${oneLine(err)}` };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
    return { ok: false, detail: `unexpected shape: ${where}${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, value: parsed.data };
}

export const encodeUnit = (name: string, h: string, state: DesiredState): string =>
  JSON.stringify({ name, hash: h, desiredState: state } satisfies UnitRecord);

export const encodeContent = (options: readonly UnitOption[]): string =>
  JSON.stringify({
    options: options.map((o) => ({ section: o.section, name: o.name, value: o.value })),
  });

export const encodeReason = (reason: string): string => JSON.stringify({ reason });

export const encodeAssignment = (unit: string, h: string, state: DesiredState): string =>
  JSON.stringify({ unit, hash: h, desiredState: state } satisfies AssignmentRecord);

/**
 * The fields of a machine record, and only those: the one list both directions copy (a field added
 * to MachineRecord is added here once, and the compiler asks for it).
 */
export function machineFields(m: MachineRecord): MachineRecord {
  return {
    id: m.id,
    publicIP: m.publicIP,
    metadata: m.metadata,
    health: m.health as Record<string, JsonValue>,
    version: m.version,
    capabilities: m.capabilities,
  };
}

export const encodeMachine = (m: MachineRecord, ttlSeconds: number): string =>
  JSON.stringify({ ...machineFields(m), ttlSeconds });

export const encodeMetadata = (value: string | null): string => JSON.stringify({ value });

/** The fields of a unit's health, and only those (an absent output stays absent). */
export const healthFields = (h: {
  status: UnitHealth['status'];
  output?: string | undefined;
  checkedAt: string;
}): UnitHealth => ({
  status: h.status,
  ...(h.output === undefined ? {} : { output: h.output }),
  checkedAt: h.checkedAt,
});

export const encodeUnitState = (machineId: string, s: UnitStateInput): string =>
  JSON.stringify({
    unit: s.unit,
    machineId,
    hash: s.hash,
    loadState: s.loadState,
    activeState: s.activeState,
    subState: s.subState,
    ...(s.state === undefined ? {} : { state: s.state }),
    ...(s.health === undefined ? {} : { health: healthFields(s.health) }),
  });

export const encodeLeader = (candidateId: string): string => JSON.stringify({ candidateId });

export const encodePlacementsReady = (revision: string): string => JSON.stringify({ revision });
