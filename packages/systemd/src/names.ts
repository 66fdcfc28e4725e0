// Unit names as the systemd port sees them: which ones it accepts, which files it lists, and
// how systemd's D-Bus object paths encode them.
import { isUnitNameSyntaxValid, splitUnitName, UNIT_TYPES } from '@fleet/unit';
import { SystemdInvalidArgsError } from './errors.js';

/**
 * Throws `SYSTEMD_INVALID_ARGS` unless systemd can take `name` as a unit name. fleet's own policy
 * (reserved names, unmanaged types) is the API's business: the port can still stop and remove
 * whatever it finds.
 */
export function requireUnitName(name: string, operation: string): void {
  if (typeof name !== 'string' || !isUnitNameSyntaxValid(name)) {
    throw new SystemdInvalidArgsError(`invalid unit name ${JSON.stringify(name)}`, { operation });
  }
}

/** Rejects a process ID that is not a positive 32-bit integer (`SYSTEMD_INVALID_ARGS`). */
export function requirePid(pid: number, operation: string): void {
  if (!Number.isInteger(pid) || pid < 1 || pid > 0xffff_ffff) {
    throw new SystemdInvalidArgsError(`invalid process ID ${String(pid)}`, { operation });
  }
}

/**
 * Whether fleet's agent manages files of this name in its units directory: a valid name of any
 * unit type the API has ever accepted. (fleet listed only the seven types fleetctl recognises, so
 * a `.target` or `.slice` it had written was never seen again and was rewritten every pass.)
 */
export function isRecognizedUnitName(name: string): boolean {
  return isUnitNameSyntaxValid(name) && UNIT_TYPES.includes(splitUnitName(name).type);
}

const UNIT_PATH_PREFIX = '/org/freedesktop/systemd1/unit/';

/**
 * The unit name encoded in a systemd unit object path (`/org/freedesktop/systemd1/unit/
 * web_2eservice` → `web.service`), or `undefined` for any other path. systemd escapes every
 * byte other than `[A-Za-z0-9]` (and a leading digit) as `_xx`.
 */
export function unitNameFromObjectPath(path: string): string | undefined {
  if (!path.startsWith(UNIT_PATH_PREFIX)) return undefined;
  const label = path.slice(UNIT_PATH_PREFIX.length);
  if (label === '' || label.includes('/') || label === '_') return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < label.length; i++) {
    const char = label[i] ?? '';
    if (char === '_') {
      const hex = label.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/i.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(char.charCodeAt(0));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The object path systemd uses for a unit (the inverse of {@link unitNameFromObjectPath}). */
export function unitObjectPath(name: string): string {
  const bytes = Buffer.from(name, 'utf8');
  let label = '';
  bytes.forEach((byte, i) => {
    const char = String.fromCharCode(byte);
    const alnum = /[A-Za-z0-9]/.test(char) && !(i === 0 && /[0-9]/.test(char));
    label += alnum ? char : `_${byte.toString(16).padStart(2, '0')}`;
  });
  return UNIT_PATH_PREFIX + (label === '' ? '_' : label);
}
