// Which `[Section]` headers a unit file may contain.

/** Sections systemd interprets in some unit type. */
export const SYSTEMD_SECTIONS: readonly string[] = Object.freeze([
  'Unit',
  'Install',
  'Service',
  'Socket',
  'Timer',
  'Path',
  'Mount',
  'Automount',
  'Swap',
  'Slice',
  'Scope',
  'Device',
]);

/** The section fleet itself reads. */
export const X_FLEET_SECTION = 'X-Fleet';

const KNOWN = new Set(SYSTEMD_SECTIONS);

/**
 * Whether a section name is acceptable: one systemd knows, or any `X-` extension section
 * (systemd ignores those; fleet reads `[X-Fleet]`). Names are case-sensitive, as in systemd.
 */
export function isKnownSection(name: string): boolean {
  return KNOWN.has(name) || name.startsWith('X-');
}
