import type { UnitOption } from './option.js';

/**
 * The unit's `[Unit] Description=`, or `''` if it has none. When the option is repeated
 * the last value wins, as in systemd and fleet.
 */
export function unitDescription(options: readonly UnitOption[]): string {
  let description = '';
  for (const option of options) {
    if (option.section === 'Unit' && option.name === 'Description') description = option.value;
  }
  return description;
}
