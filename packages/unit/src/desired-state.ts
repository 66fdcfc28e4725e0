/**
 * fleet's target states for a unit: `inactive` (known, not placed), `loaded` (placed and
 * loaded into systemd, not started) and `launched` (loaded and started).
 */
export type DesiredState = 'inactive' | 'loaded' | 'launched';

/** Every {@link DesiredState}, in the order a unit moves through them. */
export const DESIRED_STATES: readonly DesiredState[] = Object.freeze([
  'inactive',
  'loaded',
  'launched',
]);

/** Whether `x` is one of fleet's target states. */
export function isDesiredState(x: unknown): x is DesiredState {
  return typeof x === 'string' && (DESIRED_STATES as readonly string[]).includes(x);
}
