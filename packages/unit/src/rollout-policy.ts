// How a unit's rollout group is replaced: the group a unit belongs to, and the `Update*` keys of
// its [X-Fleet] section (docs/deploys.md). The new version's settings drive its own rollout.
import { goTrim } from './go-space.js';
import { splitUnitName } from './name.js';
import type { UnitOption } from './option.js';
import { X_FLEET_SECTION } from './sections.js';

/** A rollout's settings, read from the new version of the group's unit. */
export interface RolloutPolicy {
  /** `UpdateMaxParallel=`: copies replaced and not yet done at any time (>= 1). */
  readonly maxParallel: number;
  /** `UpdateMinHealthySec=`: how long a new copy must stay healthy to be done (>= 0). */
  readonly minHealthySec: number;
  /** `UpdateHealthyDeadlineSec=`: a new copy not healthy this long after replacing has failed. */
  readonly healthyDeadlineSec: number;
  /** `UpdateAutoRevert=`: a failed rollout rolls back by itself. */
  readonly autoRevert: boolean;
}

/** The settings of a unit that names none of the keys. */
export const DEFAULT_ROLLOUT_POLICY: RolloutPolicy = Object.freeze({
  maxParallel: 1,
  minHealthySec: 10,
  healthyDeadlineSec: 300,
  autoRevert: true,
});

/** Largest `UpdateMaxParallel=` accepted: more copies than any cluster runs of one group. */
export const MAX_UPDATE_PARALLEL = 100_000;
/** Largest `Update*Sec=` accepted: one week. */
export const MAX_UPDATE_SECONDS = 7 * 24 * 3600;

const TRUE_WORDS = new Set(['1', 'yes', 'y', 'true', 't', 'on']);
const FALSE_WORDS = new Set(['0', 'no', 'n', 'false', 'f', 'off']);

type IntField = 'maxParallel' | 'minHealthySec' | 'healthyDeadlineSec';
const INT_KEYS: ReadonlyMap<string, { field: IntField; min: number; max: number }> = new Map([
  ['UpdateMaxParallel', { field: 'maxParallel', min: 1, max: MAX_UPDATE_PARALLEL }],
  ['UpdateMinHealthySec', { field: 'minHealthySec', min: 0, max: MAX_UPDATE_SECONDS }],
  ['UpdateHealthyDeadlineSec', { field: 'healthyDeadlineSec', min: 1, max: MAX_UPDATE_SECONDS }],
]);
const BOOL_KEY = 'UpdateAutoRevert';

/**
 * The group a unit's copies are rolled out as: an instance's template (`web@3.service` →
 * `web@.service`); any other name is its own group (a template, a plain or a global unit).
 */
export function groupOf(name: string): string {
  const info = splitUnitName(name);
  return info.isInstance && info.template !== undefined ? info.template : name;
}

type Parsed = { ok: true; value: number | boolean } | { ok: false; problem: string };

/** One key's value; `undefined` for an empty value (which resets the key to its default). */
function parseValue(key: string, raw: string): Parsed | undefined {
  const value = goTrim(raw);
  if (value === '') return undefined;
  if (key === BOOL_KEY) {
    const word = value.toLowerCase();
    if (TRUE_WORDS.has(word)) return { ok: true, value: true };
    if (FALSE_WORDS.has(word)) return { ok: true, value: false };
    return { ok: false, problem: 'expected a boolean (true or false)' };
  }
  const spec = INT_KEYS.get(key);
  if (spec === undefined) return undefined;
  if (!/^[0-9]+$/.test(value)) return { ok: false, problem: 'expected a whole number' };
  const n = Number(value);
  if (n < spec.min || n > spec.max) {
    return { ok: false, problem: `expected ${spec.min} to ${spec.max}` };
  }
  return { ok: true, value: n };
}

function isRolloutKey(option: UnitOption): boolean {
  return (
    option.section === X_FLEET_SECTION && (option.name === BOOL_KEY || INT_KEYS.has(option.name))
  );
}

/**
 * Why a unit's `Update*` values are invalid (the first bad one, in one line), or `undefined`:
 * `UpdateMaxParallel="0": expected 1 to 100000`. Checked at submit with the other [X-Fleet] rules.
 */
export function rolloutProblem(options: readonly UnitOption[]): string | undefined {
  for (const option of options) {
    if (!isRolloutKey(option)) continue;
    const r = parseValue(option.name, option.value);
    if (r !== undefined && !r.ok) {
      return `invalid [X-Fleet] ${option.name}=${JSON.stringify(goTrim(option.value))}: ${r.problem}`;
    }
  }
  return undefined;
}

/**
 * A unit's rollout settings: the last value of each `Update*` key wins, an empty value resets it
 * to its default ({@link DEFAULT_ROLLOUT_POLICY}). Never throws: a value that
 * {@link rolloutProblem} refuses (only a unit stored before the check can hold one) counts as
 * absent.
 */
export function rolloutPolicy(options: readonly UnitOption[]): RolloutPolicy {
  const out: { -readonly [K in keyof RolloutPolicy]: RolloutPolicy[K] } = {
    ...DEFAULT_ROLLOUT_POLICY,
  };
  for (const option of options) {
    if (!isRolloutKey(option)) continue;
    const r = parseValue(option.name, option.value);
    if (option.name === BOOL_KEY) {
      out.autoRevert =
        r?.ok === true && typeof r.value === 'boolean'
          ? r.value
          : DEFAULT_ROLLOUT_POLICY.autoRevert;
      continue;
    }
    const field = INT_KEYS.get(option.name)?.field;
    if (field === undefined) continue;
    out[field] =
      r?.ok === true && typeof r.value === 'number' ? r.value : DEFAULT_ROLLOUT_POLICY[field];
  }
  return out;
}
