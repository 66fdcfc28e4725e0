// How a rollout judges one copy from what its agent published: healthy on the new version, failed,
// or neither yet (docs/deploys.md, "Rollout groups"). Pure: the caller passes the clock's reading.
import type { RolloutCopy, RolloutUnit, RolloutUnitState } from './rollout-types.js';

/** The reasons a rollout gives, as named sentences (logs, records, events and tests share them). */
export const RolloutReason = {
  unitFailed: 'unit failed',
  healthFailing: (output: string | undefined) =>
    output === undefined || output === ''
      ? 'health check failing'
      : `health check failing: ${output}`,
  deadline: (sec: number) => `not healthy ${sec} s after it was replaced`,
  onMachine: (unit: string, machineId: string, why: string) => `${unit} on ${machineId}: ${why}`,
  superseded: (hash: string) => `superseded: the group changed to ${hash.slice(0, 7)}`,
} as const;

/** Whether a released copy runs `hash` as it should: active (and passing its check) if launched. */
export function healthyOn(
  hash: string,
  unit: RolloutUnit,
  state: RolloutUnitState | undefined,
): boolean {
  if (state === undefined || state.hash !== hash) return false;
  if (unit.desiredState !== 'launched') return true; // loaded: the agent has the new contents
  if (state.activeState !== 'active') return false;
  if (state.health !== undefined) return state.health.status === 'passing';
  return unit.healthCheck !== true;
}

/**
 * Whether a copy not yet released is healthy: running whatever it runs, and not failing its check.
 * Its health check (if any) is the old version's, which the step does not know: a copy without a
 * published result counts as healthy.
 */
export function healthyOld(unit: RolloutUnit, state: RolloutUnitState | undefined): boolean {
  if (state === undefined) return false;
  if (unit.desiredState !== 'launched') return true;
  return state.activeState === 'active' && state.health?.status !== 'failing';
}

/** Why a released copy has failed on `hash`, or `undefined` if it has not. */
export function failureOf(
  copy: RolloutCopy,
  hash: string,
  unit: RolloutUnit,
  state: RolloutUnitState | undefined,
  deadlineSec: number,
  now: number,
): string | undefined {
  if (state !== undefined && state.hash === hash) {
    if (state.activeState === 'failed') return RolloutReason.unitFailed;
    if (state.activeState === 'active' && state.health?.status === 'failing')
      return RolloutReason.healthFailing(state.health.output);
  }
  if (copy.phase !== 'replacing' || healthyOn(hash, unit, state)) return undefined;
  const replacedAt = timeOf(copy.replacedAt, now);
  return now - replacedAt >= deadlineSec * 1000 ? RolloutReason.deadline(deadlineSec) : undefined;
}

/** An ISO time in ms since the epoch; `fallback` when absent or unreadable. */
export function timeOf(iso: string | undefined, fallback: number): number {
  const t = iso === undefined ? NaN : Date.parse(iso);
  return Number.isNaN(t) ? fallback : t;
}
