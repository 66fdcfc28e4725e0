// What systemd's signals mean to the change stream. They are hints only: each names a unit
// that may have changed (or says everything may have), and a batched re-read finds out.
import type { Message } from 'dbus-next';
import { unitNameFromObjectPath } from '../names.js';
import { MANAGER_INTERFACE, MANAGER_PATH, SYSTEMD_BUS_NAME } from './manager.js';

const PROPERTIES_INTERFACE = 'org.freedesktop.DBus.Properties';
const UNIT_PATH_NAMESPACE = '/org/freedesktop/systemd1/unit';

/**
 * The two match rules, added once per connection: one broad rule for every unit's
 * PropertiesChanged (no per-unit proxies: dbus-next never removes their rules), and one for
 * the Manager's own signals (JobRemoved, UnitNew, UnitRemoved, Reloading).
 */
export const MATCH_RULES: readonly string[] = [
  `type='signal',sender='${SYSTEMD_BUS_NAME}',interface='${PROPERTIES_INTERFACE}',` +
    `member='PropertiesChanged',path_namespace='${UNIT_PATH_NAMESPACE}'`,
  `type='signal',sender='${SYSTEMD_BUS_NAME}',interface='${MANAGER_INTERFACE}',` +
    `path='${MANAGER_PATH}'`,
];

/** What a signal asks of the change stream. */
export type SignalHint =
  | { readonly kind: 'unit'; readonly name: string }
  | { readonly kind: 'all' }
  | { readonly kind: 'unit-removed'; readonly name: string }
  | { readonly kind: 'none' };

const NONE: SignalHint = { kind: 'none' };

/**
 * Interprets a signal.
 * - PropertiesChanged on a unit object, JobRemoved(id, job, unit, result): that unit.
 * - Reloading(false), i.e. a daemon-reload finished: every unit.
 * - UnitRemoved(unit, path): the unit left memory; this is news only if it was not inactive.
 * - UnitNew: nothing. Reading a unit that is not in memory (as the re-read itself does) loads
 *   it and makes systemd send UnitNew and UnitRemoved, so re-reading on them would loop.
 */
export function interpretSignal(msg: Message): SignalHint {
  const body = msg.body as unknown[];
  if (msg.interface === PROPERTIES_INTERFACE && msg.member === 'PropertiesChanged') {
    const name = unitNameFromObjectPath(msg.path);
    return name === undefined ? NONE : { kind: 'unit', name };
  }
  if (msg.interface !== MANAGER_INTERFACE || msg.path !== MANAGER_PATH) return NONE;
  switch (msg.member) {
    case 'JobRemoved': {
      const unit = body[2];
      return typeof unit === 'string' ? { kind: 'unit', name: unit } : NONE;
    }
    case 'Reloading':
      return body[0] === false ? { kind: 'all' } : NONE;
    case 'UnitRemoved': {
      const unit = body[0];
      return typeof unit === 'string' ? { kind: 'unit-removed', name: unit } : NONE;
    }
    default:
      return NONE;
  }
}
