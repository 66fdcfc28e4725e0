// How fleetctl turns a command-line argument into a unit name.

/** Unit types fleetctl and fleet's agent recognise; other names get `.service` appended. */
export const RECOGNIZED_UNIT_TYPES: readonly string[] = Object.freeze([
  'service',
  'socket',
  'timer',
  'path',
  'device',
  'mount',
  'automount',
]);

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
 * `.service`, `.socket`, `.timer`, `.path`, `.device`, `.mount` or `.automount`.
 * The result is not validated.
 */
export function mangleUnitName(arg: string): string {
  const base = pathBase(arg);
  return RECOGNIZED_UNIT_TYPES.some((type) => base.endsWith(`.${type}`)) ? base : `${base}.service`;
}
