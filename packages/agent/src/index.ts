export { Agent, type AgentOptions, type AgentMetrics } from './agent.js';
export { DEFAULT_BACKOFF, RetryBackoff, type BackoffPolicy } from './backoff.js';
export { AgentError, type AgentErrorCode } from './errors.js';
export { readMachineId, detectPublicIP, defaultRouteInterface } from './identity.js';
export { collectHealth, type HealthSources } from './health.js';
export { executeTasks, type TaskOutcome } from './executor.js';
export { SessionFile, type SessionStore } from './session-file.js';
export { LaunchedFile, MemoryLaunchedStore, type LaunchedStore } from './launched-store.js';
