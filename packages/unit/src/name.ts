// Unit names: what fleet accepts (systemd's unit_name_is_valid), and templates/instances.
import { UnitError } from './errors.js';

/**
 * Longest unit name accepted, in characters: systemd's `unit_name_is_valid` requires fewer than
 * 256 (`UNIT_NAME_MAX`), and a Linux file name holds at most 255 bytes (names are ASCII). fleet
 * allowed 256, which systemd refuses.
 */
export const MAX_UNIT_NAME_LENGTH = 255;

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

/**
 * Unit types fleet accepts in its list but will not manage: systemd never loads `.device` or
 * `.scope` units from unit files (udev and the manager's API create them), and systemd no longer
 * has `.busname` or `.snapshot` units at all.
 */
export const UNMANAGED_UNIT_TYPES: ReadonlyMap<string, string> = new Map([
  ['device', 'systemd creates .device units from udev; it never loads them from unit files'],
  ['scope', 'systemd creates .scope units through its API; it never loads them from unit files'],
  ['busname', 'systemd no longer has .busname units'],
  ['snapshot', 'systemd no longer has .snapshot units'],
]);

/**
 * Names a fleet unit may not take, because linking it into `/run/systemd/system` would override,
 * and destroying it would stop, the host's own plumbing. Exact names, with why.
 */
export const RESERVED_UNIT_NAMES: ReadonlyMap<string, string> = new Map([
  ['fleet.service', "fleetd's own unit"],
  ['fleet.socket', "fleetd's own API socket"],
  ['fleet-tcp.socket', "fleetd's own TCP API socket"],
  ['dbus.service', 'the system bus fleetd drives systemd through'],
  ['dbus.socket', 'the system bus fleetd drives systemd through'],
  ['etcd.service', "the etcd fleet's state lives in"],
  ['etcd2.service', "the etcd fleet's state lives in"],
  ['etcd-member.service', "the etcd fleet's state lives in"],
  ['-.mount', 'the root file system'],
  ['-.slice', 'the root slice'],
]);

/** Reserved name prefixes: every unit whose name starts so, of any type. */
export const RESERVED_UNIT_PREFIXES: ReadonlyMap<string, string> = new Map([
  ['systemd-', "systemd's own units (journald, logind, udevd, ...)"],
]);

const NAME_CHAR = /[A-Za-z0-9:_.\\@-]/;
const NAME_CHARS = /^[A-Za-z0-9:_.\\@-]*$/;

function invalid(name: string, reason: string): UnitError {
  return new UnitError('UNIT_NAME_INVALID', `invalid unit name ${JSON.stringify(name)}: ${reason}`);
}

/** Why `name` is not a name systemd can take, or `undefined` if it is one. */
function syntaxProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > MAX_UNIT_NAME_LENGTH) {
    return `it is ${name.length} characters long (max ${MAX_UNIT_NAME_LENGTH})`;
  }
  const dot = name.lastIndexOf('.');
  if (dot === -1) return 'it must end in "." and a unit type, e.g. "web.service"';
  if (dot === name.length - 1) return 'it must not end in "."';
  if (dot === 0) return 'it has nothing before ".", e.g. "web.service"';
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
  if (NAME_CHARS.test(stem)) return undefined; // the common case, in one pass
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

/** Why fleet will not run a unit of this (syntactically valid) name, or `undefined`. */
function policyProblem(name: string): string | undefined {
  const reserved = RESERVED_UNIT_NAMES.get(name);
  if (reserved !== undefined) return `reserved: ${name} is ${reserved}`;
  for (const [prefix, why] of RESERVED_UNIT_PREFIXES) {
    if (name.startsWith(prefix)) return `reserved: names starting with "${prefix}" are ${why}`;
  }
  if (name.startsWith('-')) {
    return 'it must not start with "-" (fleetctl and systemctl would read it as an option)';
  }
  const type = name.slice(name.lastIndexOf('.') + 1);
  const unmanaged = UNMANAGED_UNIT_TYPES.get(type);
  if (unmanaged !== undefined) return `fleet cannot run .${type} units: ${unmanaged}`;
  return undefined;
}

function nameProblem(name: string): string | undefined {
  return syntaxProblem(name) ?? policyProblem(name);
}

/**
 * Checks the name of a unit submitted to fleet: a name systemd can take (non-empty stem, at most
 * 255 characters, `<stem>.<type>` with a known type, not starting with `@`, `@` only in
 * template-capable types, only `[A-Za-z0-9:_.\@-]` in the stem), and one fleet will run: not
 * starting with `-`, not a `.device`, `.scope`, `.busname` or `.snapshot` unit, and not reserved
 * ({@link RESERVED_UNIT_NAMES}, {@link RESERVED_UNIT_PREFIXES}).
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

/**
 * Whether systemd can take `name` as a unit name (the syntax part of {@link validateUnitName},
 * without fleet's reserved names and unmanaged types): what the systemd port accepts.
 */
export function isUnitNameSyntaxValid(name: string): boolean {
  return syntaxProblem(name) === undefined;
}

/** The characters and length of every name fleet ever accepted. */
const EVER_ACCEPTED_NAME = /^[A-Za-z0-9:_.\\@-]{1,256}$/;

/**
 * Whether `name` may name a unit that is already stored: any name fleet ever accepted (at most
 * 256 characters of `[A-Za-z0-9:_.\@-]`, `<stem>.<type>` with a known type, no leading `@`, `@`
 * only in template-capable types), although {@link validateUnitName} now refuses some (a leading
 * `-`, a reserved name, an empty stem, 256 characters). Such a unit can still be read, stopped and
 * destroyed; only new units and new contents need a name that is valid today.
 */
export function isStoredUnitName(name: string): boolean {
  if (!EVER_ACCEPTED_NAME.test(name) || name.startsWith('@')) return false;
  const { type } = splitUnitName(name);
  if (!UNIT_TYPES.includes(type)) return false;
  return !name.includes('@') || TEMPLATE_UNIT_TYPES.includes(type);
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
