// What the client accepts from the server, checked at the boundary. Lenient where fleet's Go
// server was terse (omitted empty lists and fields), strict about types; fields the client does
// not know are dropped. Written by hand rather than with zod: a CLI pays for a validation
// library's load at every start (zod is most of what an API command of fleetctl used to load),
// and these few shapes need six small checks.
import type {
  WireDesiredState,
  WireMachine,
  WireUnit,
  WireUnitHealth,
  WireUnitOption,
  WireUnitState,
} from './wire.js';

/** Why an answer is not what the API promises: the first field found wrong. */
export class SchemaError extends Error {
  constructor(
    /** Where, as `units[3].options[0].name` (`''`: the answer itself). */
    readonly path: string,
    what: string,
  ) {
    super(`${path === '' ? 'the answer' : path}: ${what}`);
    this.name = 'SchemaError';
  }
}

/** A check of one JSON value. */
export interface Schema<T> {
  /** @throws SchemaError */
  parse(value: unknown): T;
  safeParse(
    value: unknown,
  ):
    | { readonly success: true; readonly data: T }
    | { readonly success: false; readonly error: SchemaError };
}

/** A check of one JSON value at a path (the building block of every schema). */
export type Check<T> = (value: unknown, path: string) => T;

/** A Schema from a check. */
export function schema<T>(check: Check<T>): Schema<T> {
  return {
    parse: (value) => check(value, ''),
    safeParse: (value) => {
      try {
        return { success: true, data: check(value, '') };
      } catch (err) {
        if (err instanceof SchemaError) return { success: false, error: err };
        throw err;
      }
    },
  };
}

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

export const at = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

export function expected(what: string, v: unknown, path: string): never {
  throw new SchemaError(path, `expected ${what}, got ${kind(v)}`);
}

export const string: Check<string> = (v, p) =>
  typeof v === 'string' ? v : expected('a string', v, p);

export const optional =
  <T>(check: Check<T>): Check<T | undefined> =>
  (v, p) =>
    v === undefined ? undefined : check(v, p);

export function object(v: unknown, path: string): Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : expected('an object', v, path);
}

/** An array of `item`s; absent is empty (Go's omitempty). */
export const list =
  <T>(item: Check<T>): Check<T[]> =>
  (v, p) => {
    if (v === undefined) return [];
    if (!Array.isArray(v)) return expected('an array', v, p);
    return v.map((x, i) => item(x, `${p}[${i}]`));
  };

const desiredState: Check<WireDesiredState> = (v, p) =>
  v === 'inactive' || v === 'loaded' || v === 'launched'
    ? v
    : expected('inactive, loaded or launched', v, p);

const option: Check<WireUnitOption> = (v, p) => {
  const o = object(v, p);
  return {
    section: string(o.section, at(p, 'section')),
    name: string(o.name, at(p, 'name')),
    value: string(o.value, at(p, 'value')),
  };
};

/** A present, non-empty string field as `{ key: value }`, else nothing. */
function field<K extends string>(key: K, value: string | undefined): { [k in K]?: string } {
  return value === undefined || value === '' ? {} : ({ [key]: value } as { [k in K]: string });
}

const unit: Check<WireUnit> = (v, p) => {
  const u = object(v, p);
  const currentState = optional(desiredState)(u.currentState, at(p, 'currentState'));
  return {
    name: string(u.name, at(p, 'name')),
    options: list(option)(u.options, at(p, 'options')),
    desiredState: desiredState(u.desiredState, at(p, 'desiredState')),
    ...(currentState === undefined ? {} : { currentState }),
    ...field('machineID', optional(string)(u.machineID, at(p, 'machineID'))),
    ...field('reason', optional(string)(u.reason, at(p, 'reason'))),
  };
};

const unitState: Check<WireUnitState> = (v, p) => {
  const s = object(v, p);
  const opt = (key: 'systemdLoadState' | 'systemdActiveState' | 'systemdSubState') => {
    const value = optional(string)(s[key], at(p, key));
    return value === undefined ? {} : { [key]: value };
  };
  return {
    name: string(s.name, at(p, 'name')),
    hash: string(s.hash, at(p, 'hash')),
    machineID: string(s.machineID, at(p, 'machineID')),
    ...opt('systemdLoadState'),
    ...opt('systemdActiveState'),
    ...opt('systemdSubState'),
    // Newer fleetds only; anything else (an older or foreign server) is as if it were absent.
    ...(s.state === 'loaded' || s.state === 'launched' ? { state: s.state } : {}),
    ...unitHealth(s.health),
  };
};

/** A unit state's `health` (newer fleetds only): anything else is as if it were absent. */
function unitHealth(v: unknown): { health?: WireUnitHealth } {
  if (typeof v !== 'object' || v === null) return {};
  const h = v as Record<string, unknown>;
  if ((h.status !== 'passing' && h.status !== 'failing') || typeof h.checkedAt !== 'string')
    return {};
  const output = typeof h.output === 'string' ? { output: h.output } : {};
  return { health: { status: h.status, ...output, checkedAt: h.checkedAt } };
}

/**
 * A JSON object of strings, every key kept as an own property (`__proto__` and `constructor`
 * included: fleet's metadata keys, `[A-Za-z0-9_.-]+`, allow them and the server stores them).
 */
const stringRecord: Check<Record<string, string>> = (v, p) => {
  const o = object(v, p);
  if (!Object.values(o).every((x) => typeof x === 'string')) {
    throw new SchemaError(p, 'expected an object of strings');
  }
  return Object.fromEntries(Object.entries(o)) as Record<string, string>;
};

const machine: Check<WireMachine> = (v, p) => {
  const m = object(v, p);
  const primaryIP = optional(string)(m.primaryIP, at(p, 'primaryIP'));
  const metadata = optional(stringRecord)(m.metadata, at(p, 'metadata'));
  // Not in fleet's API: a fleet server leaves them out, and malformed ones are dropped.
  const health =
    typeof m.health === 'object' && m.health !== null && !Array.isArray(m.health)
      ? (Object.fromEntries(Object.entries(m.health)) as Record<string, unknown>)
      : undefined;
  return {
    id: string(m.id, at(p, 'id')),
    ...(primaryIP === undefined ? {} : { primaryIP }),
    ...(metadata === undefined ? {} : { metadata }),
    ...(health === undefined ? {} : { health }),
    ...(typeof m.version === 'string' ? { version: m.version } : {}),
  };
};

/** A page of `key` items, and the token of the next page if there is one. */
function page<K extends string, T>(
  key: K,
  item: Check<T>,
): Schema<{ [k in K]: T[] } & { readonly nextPageToken?: string }> {
  return schema((v, p) => {
    const o = object(v, p);
    const nextPageToken = optional(string)(o.nextPageToken, at(p, 'nextPageToken'));
    return {
      [key]: list(item)(o[key], at(p, key)),
      ...(nextPageToken === undefined ? {} : { nextPageToken }),
    } as { [k in K]: T[] } & { readonly nextPageToken?: string };
  });
}

/** A unit. */
export const unitSchema: Schema<WireUnit> = schema(unit);
/** A unit state. */
export const unitStateSchema: Schema<WireUnitState> = schema(unitState);
/** A machine. */
export const machineSchema: Schema<WireMachine> = schema(machine);

export const unitPageSchema = page('units', unit);
export const unitStatePageSchema = page('states', unitState);
export const machinePageSchema = page('machines', machine);

/** fleet's error body, as far as it is there: its message, if it has one. */
export const errorSchema: Schema<{ readonly error: { readonly message?: string } }> = schema(
  (v, p) => {
    const e = object(object(v, p).error, at(p, 'error'));
    if (e.code !== undefined && typeof e.code !== 'number')
      expected('a number', e.code, 'error.code');
    const message = optional(string)(e.message, at(p, 'error.message'));
    return { error: message === undefined ? {} : { message } };
  },
);

// The building blocks, for the schemas of the /fleet/x answers (deploys.ts and others).
export { desiredState, option, stringRecord };
