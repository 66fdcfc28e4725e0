// [X-Fleet] keys that say how a unit is deployed and checked rather than where it runs
// (docs/deploys.md): the scheduler's requirements pass over them without a warning. Each is
// read and validated by its own module (rollout and health-check options).

/** Rolling-update settings of a unit (its rollout group's new version). */
export const ROLLOUT_KEYS: readonly string[] = [
  'UpdateMaxParallel',
  'UpdateMinHealthySec',
  'UpdateHealthyDeadlineSec',
  'UpdateAutoRevert',
];

/** The health check the agent runs while the unit is active. */
export const HEALTH_CHECK_KEYS: readonly string[] = [
  'HealthCheckCommand',
  'HealthCheckURL',
  'HealthCheckIntervalSec',
  'HealthCheckTimeoutSec',
];

const DEPLOY_KEYS: ReadonlySet<string> = new Set([...ROLLOUT_KEYS, ...HEALTH_CHECK_KEYS]);

/** Whether `name` is an [X-Fleet] deploy key (not a scheduling requirement). */
export function isDeployKey(name: string): boolean {
  return DEPLOY_KEYS.has(name);
}
