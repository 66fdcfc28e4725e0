// @fleet/unit: systemd unit files as fleet sees them. Pure: no I/O.
export { DESIRED_STATES, isDesiredState } from './desired-state.js';
export type { DesiredState } from './desired-state.js';
export { compareStrings } from './compare.js';
export { unitDescription } from './description.js';
export { UnitError } from './errors.js';
export type { UnitErrorCode, UnitErrorOptions } from './errors.js';
export { codePoints, CompiledGlob, compileGlob, matchGlob } from './glob.js';
export type { GlobWork } from './glob.js';
export { SHORT_HASH_LENGTH, shortHash, unitHash } from './hash.js';
export { MAX_LINE_BYTES, MAX_UNIT_FILE_BYTES } from './limits.js';
export { mangleUnitName, RECOGNIZED_UNIT_TYPES } from './mangle.js';
export {
  isStoredUnitName,
  isUnitNameSyntaxValid,
  isValidUnitName,
  MAX_UNIT_NAME_LENGTH,
  parseUnitName,
  RESERVED_UNIT_NAMES,
  RESERVED_UNIT_PREFIXES,
  splitUnitName,
  TEMPLATE_UNIT_TYPES,
  UNIT_TYPES,
  UNMANAGED_UNIT_TYPES,
  validateUnitName,
} from './name.js';
export type { UnitNameInfo } from './name.js';
export type { UnitOption } from './option.js';
export { parseUnitFile } from './parse.js';
export {
  DEFAULT_HEALTH_CHECK_INTERVAL_SEC,
  DEFAULT_HEALTH_CHECK_TIMEOUT_SEC,
  healthCheckOf,
  healthCheckProblem,
  MAX_HEALTH_CHECK_SEC,
} from './health-check.js';
export type { HealthCheck, HealthProbe } from './health-check.js';
export { splitExecWords } from './exec-words.js';
export type { ExecWords } from './exec-words.js';
export { fleetRequirements, REQUIREMENT_KEYS } from './requirements.js';
export type { FleetRequirements } from './requirements.js';
export {
  DEFAULT_ROLLOUT_POLICY,
  groupOf,
  MAX_UPDATE_PARALLEL,
  MAX_UPDATE_SECONDS,
  rolloutPolicy,
  rolloutProblem,
} from './rollout-policy.js';
export type { RolloutPolicy } from './rollout-policy.js';
export type { CopyPhase, RolloutCopy, RolloutData, RolloutState } from './rollout-record.js';
export { HEALTH_CHECK_KEYS, ROLLOUT_KEYS, isDeployKey } from './x-fleet-keys.js';
export { isKnownSection, SYSTEMD_SECTIONS, X_FLEET_SECTION } from './sections.js';
export { serializeUnitOptions } from './serialize.js';
export {
  MAX_GLOB_LENGTH,
  MAX_REPLACES_ENTRIES,
  MAX_REQUIREMENT_ENTRIES,
  maxRequirementEntries,
  requirementsProblem,
  validateUnitOptions,
} from './validate-options.js';
