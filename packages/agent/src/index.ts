export { Agent, type AgentOptions, type AgentMetrics } from './agent.js';
export { DEFAULT_BACKOFF, RetryBackoff } from './backoff.js';
export {
  AgentError,
  ContentsGoneError,
  LaunchedFileCorruptError,
  LaunchedFileUnreadableError,
  NoMachineIdError,
  type AgentErrorCode,
} from './errors.js';
export { readMachineId, detectPublicIP, defaultRouteInterface } from './identity.js';
export { collectHealth, type HealthSources } from './health.js';
export { basicHealth, type HealthCollector } from './registration.js';
export { executeTasks, type TaskOutcome } from './executor.js';
export { SessionFile, type SessionStore } from './session-file.js';
export { LaunchedFile, MemoryLaunchedStore, type LaunchedStore } from './launched-store.js';
export { PHASES, type Phase, type PhaseTimes } from './phases.js';
