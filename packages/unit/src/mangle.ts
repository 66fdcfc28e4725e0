// How fleetctl turns a command-line argument into a unit name.
import { UNIT_TYPES } from './name.js';

/**
 * Unit types fleetctl recognises in an argument; other names get `.service` appended. Every type
 * a unit name may have, where fleet recognised only seven (so `fleetctl start a.target` named
 * `a.target.service`, and `destroy a.target` destroyed nothing with exit 0).
 */
export const RECOGNIZED_UNIT_TYPES: readonly string[] = UNIT_TYPES;

/** The last element of a slash-separated path, as Go's `path.Base`. */
function pathBase(path: string): string {
  if (path === '') return '.';
  let end = path.length;
  while (end > 0 && path[end - 1] === '/') end--;
  if (end === 0) return '/';
  const trimmed = path.slice(0, end);
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/**
 * fleetctl's name mangling: take the last path element of `arg` (so `units/web.service`
 * names `web.service`), then append `.service` unless the name already ends in
 * one of {@link RECOGNIZED_UNIT_TYPES}.
 * The result is not validated.
 */
export function mangleUnitName(arg: string): string {
  const base = pathBase(arg);
  return RECOGNIZED_UNIT_TYPES.some((type) => base.endsWith(`.${type}`)) ? base : `${base}.service`;
}
