// Input checks at the registry's door: bad input is refused with InvalidInputError before
// anything is written, and every key component is known to be safe (no `/`, printable).
import {
  isDesiredState,
  isStoredUnitName,
  UnitError,
  validateUnitName,
  type DesiredState,
} from '@fleet/unit';
import type { UnitOption } from '@fleet/unit';
import { InvalidInputError } from '../errors.js';
import type {
  AssignmentOp,
  JsonValue,
  MachineRecord,
  MetadataChange,
  UnitHealth,
  UnitStateInput,
} from '../types.js';

const MACHINE_ID = /^[\x21-\x2e\x30-\x7e]{1,255}$/;
const METADATA_KEY = /^[A-Za-z0-9_.-]+$/;
const HASH = /^[0-9a-f]{40}$/;
const TOKEN = /^[1-9][0-9]{0,18}$/;

const bad = (message: string, cause?: unknown) => new InvalidInputError(message, { cause });

/** A unit name for a new unit or new contents: every rule of {@link validateUnitName}. */
export function checkUnitName(name: unknown): string {
  if (typeof name !== 'string') throw bad('a unit name must be a string');
  try {
    validateUnitName(name);
  } catch (err) {
    if (err instanceof UnitError) throw bad(err.message, err);
    throw err;
  }
  return name;
}

/**
 * A unit name for any other operation (read, state, assignment, destroy): safe as a key
 * component. Looser than {@link checkUnitName} on purpose: a unit stored before a name rule was
 * tightened (a leading `-`, a reserved name) can still be read, stopped and destroyed.
 */
export function checkStoredUnitName(name: unknown): string {
  if (typeof name !== 'string') throw bad('a unit name must be a string');
  if (!isStoredUnitName(name)) return checkUnitName(name);
  return name;
}

export function checkDesiredState(state: unknown): DesiredState {
  if (!isDesiredState(state)) {
    throw bad(
      `invalid desired state ${JSON.stringify(state)} (expected inactive, loaded or launched)`,
    );
  }
  return state;
}

export function checkMachineId(id: unknown): string {
  if (typeof id !== 'string' || !MACHINE_ID.test(id)) {
    throw bad(`invalid machine ID ${JSON.stringify(id)}: 1-255 printable ASCII characters, no "/"`);
  }
  return id;
}

export function checkHash(hash: unknown): string {
  if (typeof hash !== 'string' || !HASH.test(hash)) {
    throw bad(`invalid unit hash ${JSON.stringify(hash)}: expected 40 lowercase hex characters`);
  }
  return hash;
}

export function checkToken(token: unknown): bigint {
  if (typeof token !== 'string' || !TOKEN.test(token)) {
    throw bad(`invalid fencing token ${JSON.stringify(token)}`);
  }
  return BigInt(token);
}

export function checkTtl(ttlSeconds: unknown): number {
  if (typeof ttlSeconds !== 'number' || !Number.isInteger(ttlSeconds) || ttlSeconds < 2) {
    throw bad(`invalid TTL ${String(ttlSeconds)}: a whole number of seconds, at least 2`);
  }
  return ttlSeconds;
}

export function checkCandidateId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 255) {
    throw bad('a candidate ID must be a non-empty string of at most 255 characters');
  }
  return id;
}

export function checkOptions(options: unknown): readonly UnitOption[] {
  if (!Array.isArray(options)) throw bad('unit options must be an array');
  for (const [i, o] of (options as unknown[]).entries()) {
    const opt = o as Partial<Record<keyof UnitOption, unknown>> | null;
    if (
      opt === null ||
      typeof opt !== 'object' ||
      typeof opt.section !== 'string' ||
      typeof opt.name !== 'string' ||
      typeof opt.value !== 'string'
    ) {
      throw bad(`unit option ${i} must be {section, name, value} strings`);
    }
  }
  return options as readonly UnitOption[];
}

function isJson(v: unknown, depth = 0): v is JsonValue {
  if (depth > 32) return false;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isJson(x, depth + 1));
  if (typeof v === 'object') return Object.values(v).every((x) => isJson(x, depth + 1));
  return false;
}

function checkStringRecord(what: string, r: unknown): Record<string, string> {
  if (r === null || typeof r !== 'object' || Array.isArray(r))
    throw bad(`${what} must be an object`);
  for (const [k, v] of Object.entries(r)) {
    if (typeof v !== 'string') throw bad(`${what}.${k} must be a string`);
  }
  return r as Record<string, string>;
}

export function checkMachineRecord(m: MachineRecord): MachineRecord {
  checkMachineId(m.id);
  if (typeof m.publicIP !== 'string') throw bad('publicIP must be a string');
  if (typeof m.version !== 'string') throw bad('version must be a string');
  checkStringRecord('metadata', m.metadata);
  if (m.health === null || typeof m.health !== 'object' || !isJson(m.health)) {
    throw bad('health must be a JSON object');
  }
  if (!Array.isArray(m.capabilities) || !m.capabilities.every((c) => typeof c === 'string')) {
    throw bad('capabilities must be an array of strings');
  }
  return m;
}

export function checkMetadataChange(c: MetadataChange): MetadataChange {
  checkMachineId(c.machineId);
  if (typeof c.key !== 'string' || !METADATA_KEY.test(c.key)) {
    throw bad(`invalid metadata key ${JSON.stringify(c.key)}: letters, digits, "_", "." and "-"`);
  }
  if (c.value !== null && typeof c.value !== 'string') {
    throw bad('a metadata value must be a string, or null to remove it');
  }
  return c;
}

export function checkUnitState(s: UnitStateInput): UnitStateInput {
  checkStoredUnitName(s.unit);
  checkHash(s.hash);
  for (const f of ['loadState', 'activeState', 'subState'] as const) {
    if (typeof s[f] !== 'string') throw bad(`${f} must be a string`);
  }
  if (s.state !== undefined && s.state !== 'loaded' && s.state !== 'launched') {
    throw bad('state must be "loaded" or "launched" when given');
  }
  if (s.health !== undefined) checkUnitHealth(s.health);
  return s;
}

/** A unit's health as published: a known status, an ISO time, an output of at most 256 characters. */
function checkUnitHealth(h: UnitHealth): void {
  if (h.status !== 'passing' && h.status !== 'failing') {
    throw bad('health.status must be "passing" or "failing"');
  }
  if (typeof h.checkedAt !== 'string' || Number.isNaN(Date.parse(h.checkedAt))) {
    throw bad('health.checkedAt must be an ISO time');
  }
  if (h.output !== undefined && (typeof h.output !== 'string' || h.output.length > 256)) {
    throw bad('health.output must be a string of at most 256 characters when given');
  }
}

export function checkAssignmentOp(op: AssignmentOp): AssignmentOp {
  checkMachineId(op.machineId);
  checkStoredUnitName(op.unit);
  if (op.kind === 'unschedule') return op;
  if (op.kind !== 'schedule' && op.kind !== 'update') {
    throw bad(`invalid assignment op kind ${JSON.stringify((op as { kind: unknown }).kind)}`);
  }
  checkHash(op.hash);
  checkDesiredState(op.desiredState);
  return op;
}
