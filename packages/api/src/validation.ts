// Request validation for units: every check fleet made, plus the ones it skipped (options on
// replace, desired state on update, templates on create). Each failure is one clear 4xx line.
import {
  DESIRED_STATES,
  isDesiredState,
  isStoredUnitName,
  parseUnitName,
  splitUnitName,
  UnitError,
  validateUnitOptions,
  type DesiredState,
  type UnitNameInfo,
  type UnitOption,
} from '@fleet/unit';
import { z } from 'zod';
import { HttpError } from './errors.js';

/** The first problem zod found, as `path: message`. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid value';
  let where = '';
  for (const key of issue.path) {
    where += typeof key === 'number' ? `[${key}]` : where === '' ? String(key) : `.${String(key)}`;
  }
  return where === '' ? issue.message : `${where}: ${issue.message}`;
}

const optionSchema = z.object({
  section: z.string({ error: 'must be a string' }),
  name: z.string({ error: 'must be a string' }),
  value: z.string({ error: 'must be a string' }),
});

// Unknown top-level fields (currentState, machineID, reason... of a unit read back from GET) are
// ignored, so a client may PUT what it got; known fields must have the right type.
const unitBodySchema = z.object(
  {
    name: z.string({ error: 'must be a string' }).optional(),
    options: z
      .array(optionSchema, { error: 'must be an array of {section, name, value}' })
      .nullable()
      .optional(),
    desiredState: z.string({ error: 'must be a string' }).nullable().optional(),
  },
  { error: 'expected a JSON object' },
);

/** A decoded `PUT /units/<name>` body: Go's zero values (`""`, `null`, `[]`) mean "not given". */
export interface UnitRequest {
  readonly name: string;
  readonly options: readonly UnitOption[];
  readonly desiredState: DesiredState | undefined;
}

/**
 * Decodes and checks a PUT body against the unit name in the URL: body name defaults to the URL
 * name and must equal it; the name must be valid; a given desired state must be one of fleet's
 * three, and a template may only be `inactive`.
 * @throws HttpError 400
 */
export function parseUnitRequest(urlName: string, body: unknown): UnitRequest {
  const parsed = unitBodySchema.safeParse(body);
  if (!parsed.success) {
    throw new HttpError(400, `unable to decode body: ${firstIssue(parsed.error)}`);
  }
  const name =
    parsed.data.name === undefined || parsed.data.name === '' ? urlName : parsed.data.name;
  if (name !== urlName) {
    throw new HttpError(
      400,
      `name in URL ${JSON.stringify(urlName)} differs from unit name in request body ${JSON.stringify(name)}`,
    );
  }
  const info = checkStoredUnitName(name);
  const rawState = parsed.data.desiredState;
  const desiredState =
    rawState === undefined || rawState === null || rawState === ''
      ? undefined
      : checkDesiredState(rawState);
  if (info.isTemplate && desiredState !== undefined && desiredState !== 'inactive') {
    throw new HttpError(400, `cannot activate template ${JSON.stringify(name)}`);
  }
  return { name, options: parsed.data.options ?? [], desiredState };
}

/**
 * Checks the name of a unit that may already be stored: any name fleet ever accepted passes (so
 * a unit stored before a name rule was tightened can be read, stopped and destroyed); anything
 * else is checked in full, for its message.
 * @throws HttpError 400 naming the rule broken
 */
export function checkStoredUnitName(name: string): UnitNameInfo {
  return isStoredUnitName(name) ? splitUnitName(name) : checkUnitName(name);
}

/**
 * Validates a unit name (fleet's and systemd's rules), as a new unit or new contents need.
 * @throws HttpError 400 naming the rule broken
 */
export function checkUnitName(name: string): UnitNameInfo {
  try {
    return parseUnitName(name);
  } catch (err) {
    if (err instanceof UnitError) throw new HttpError(400, err.message, { cause: err });
    throw err;
  }
}

/**
 * @throws HttpError 400 listing the allowed values
 */
export function checkDesiredState(value: string): DesiredState {
  if (!isDesiredState(value)) {
    throw new HttpError(
      400,
      `invalid desiredState ${JSON.stringify(value)}: expected one of ${DESIRED_STATES.join(', ')}`,
    );
  }
  return value;
}

/**
 * Validates options as fleet's ValidateOptions did: they must form a unit file within the unit
 * size limit once serialised, and their [X-Fleet] requirements must be satisfiable together.
 * @throws HttpError 400 (invalid) or 413 (too large)
 */
export function checkUnitOptions(name: string, options: readonly UnitOption[]): void {
  try {
    validateUnitOptions(name, options);
  } catch (err) {
    if (err instanceof UnitError) {
      const status = err.code === 'UNIT_TOO_LARGE' ? 413 : 400;
      throw new HttpError(status, `invalid unit options: ${err.message}`, { cause: err });
    }
    throw err;
  }
}
