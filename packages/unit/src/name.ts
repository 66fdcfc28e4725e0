// Unit names: what fleet accepts (systemd's unit_name_is_valid), and templates/instances.
import { UnitError } from './errors.js';

/** Longest unit name accepted, in characters. */
export const MAX_UNIT_NAME_LENGTH = 256;

/** Unit types (name suffixes) fleet accepts. */
export const UNIT_TYPES: readonly string[] = Object.freeze([
  'automount',
  'busname',
  'device',
  'mount',
  'path',
  'scope',
  'service',
  'slice',
  'snapshot',
  'socket',
  'swap',
  'target',
  'timer',
]);

/** Unit types that may be templates (`foo@.service`) or instances (`foo@bar.service`). */
export const TEMPLATE_UNIT_TYPES: readonly string[] = Object.freeze([
  'path',
  'service',
  'socket',
  'target',
  'timer',
]);

const NAME_CHAR = /[A-Za-z0-9:_.\\@-]/;

function invalid(name: string, reason: string): UnitError {
  return new UnitError('UNIT_NAME_INVALID', `invalid unit name ${JSON.stringify(name)}: ${reason}`);
}

/** Why `name` is not a valid unit name, or `undefined` if it is valid. */
function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > MAX_UNIT_NAME_LENGTH) {
    return `it is ${name.length} characters long (max ${MAX_UNIT_NAME_LENGTH})`;
  }
  const dot = name.lastIndexOf('.');
  if (dot === -1) return 'it must end in "." and a unit type, e.g. "web.service"';
  if (dot === name.length - 1) return 'it must not end in "."';
  if (name.startsWith('@')) return 'it must not start with "@"';
  const type = name.slice(dot + 1);
  if (!UNIT_TYPES.includes(type)) {
    return `unknown unit type ${JSON.stringify(type)} (expected one of ${UNIT_TYPES.join(', ')})`;
  }
  if (name.includes('@') && !TEMPLATE_UNIT_TYPES.includes(type)) {
    return (
      `${type} units cannot be templates or instances ` +
      `(only ${TEMPLATE_UNIT_TYPES.join(', ')} units can contain "@")`
    );
  }
  const stem = name.slice(0, dot);
  for (let i = 0; i < stem.length; i++) {
    const char = stem.codePointAt(i) ?? 0;
    const text = String.fromCodePoint(char);
    if (!NAME_CHAR.test(text)) {
      return (
        `invalid character ${JSON.stringify(text)} at position ${i + 1} ` +
        '(allowed before the unit type: letters, digits and ":_.\\@-")'
      );
    }
  }
  return undefined;
}

/**
 * Checks a unit name the way fleet's API does: non-empty, at most 256 characters,
 * `<stem>.<type>` with a known type, not starting with `@`, `@` only in template-capable
 * types, and only `[A-Za-z0-9:_.\@-]` in the stem.
 *
 * @throws {@link UnitError} `UNIT_NAME_INVALID` naming the first rule broken.
 */
export function validateUnitName(name: string): void {
  const problem = nameProblem(name);
  if (problem !== undefined) throw invalid(name, problem);
}

/** Whether {@link validateUnitName} would accept `name`. */
export function isValidUnitName(name: string): boolean {
  return nameProblem(name) === undefined;
}

/** The parts of a unit name, e.g. for `web@2.service`. */
export interface UnitNameInfo {
  /** The full name as given: `web@2.service`. */
  name: string;
  /** The name without its `.type` suffix: `web@2` (fleet's `%N`). */
  base: string;
  /** The part before the first `@` (all of `base` if there is none): `web` (`%p`). */
  prefix: string;
  /** The part between the first `@` and the type: `2` (`%i`); `''` if none. */
  instance: string;
  /** The unit type, without the dot: `service`. */
  type: string;
  /** `foo@.service`: has an `@` but no instance. */
  isTemplate: boolean;
  /** `foo@bar.service`: has a non-empty instance. */
  isInstance: boolean;
  /**
   * The template this name belongs to: `web@.service` for `web@2.service`, and the name
   * itself for a template. `undefined` for a unit without `@`.
   */
  template: string | undefined;
}

/**
 * Splits a name into its parts without validating it. Names without a `.` get the whole
 * name as `base` and an empty `type`.
 */
export function splitUnitName(name: string): UnitNameInfo {
  const dot = name.lastIndexOf('.');
  const base = dot === -1 ? name : name.slice(0, dot);
  const type = dot === -1 ? '' : name.slice(dot + 1);
  const at = base.indexOf('@');
  if (at === -1) {
    return {
      name,
      base,
      prefix: base,
      instance: '',
      type,
      isTemplate: false,
      isInstance: false,
      template: undefined,
    };
  }
  const prefix = base.slice(0, at);
  const instance = base.slice(at + 1);
  return {
    name,
    base,
    prefix,
    instance,
    type,
    isTemplate: instance === '',
    isInstance: instance !== '',
    template: `${prefix}@.${type}`,
  };
}

/**
 * Validates a unit name and splits it into prefix, instance, type and template.
 * `foo@.service` is a template; `foo@bar.service` is an instance of `foo@.service`
 * (the instance is everything after the first `@`).
 *
 * @throws {@link UnitError} `UNIT_NAME_INVALID` as {@link validateUnitName}.
 */
export function parseUnitName(name: string): UnitNameInfo {
  validateUnitName(name);
  return splitUnitName(name);
}
