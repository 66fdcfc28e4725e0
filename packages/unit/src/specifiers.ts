// systemd-style specifiers in [X-Fleet] values, taken from the unit's own name.
import type { UnitNameInfo } from './name.js';

/**
 * Replaces `%n` (full name), `%N` (name without type), `%p` (prefix), `%i` (instance)
 * and `%%` (a literal `%`) in one left-to-right pass. Other `%x` sequences are kept
 * as they are. There is no unescaping, as in fleet.
 */
export function substituteSpecifiers(value: string, unit: UnitNameInfo): string {
  return value.replace(/%([nNpi%])/g, (_match, spec: string) => {
    switch (spec) {
      case 'n':
        return unit.name;
      case 'N':
        return unit.base;
      case 'p':
        return unit.prefix;
      case 'i':
        return unit.instance;
      default:
        return '%';
    }
  });
}
