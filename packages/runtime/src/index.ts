// @fleet/runtime: injected time and logging, the loops' toolkit (trigger, sleep, backoff,
// rate limit) and the error base. Imports nothing but Node built-ins' types.
export { ManualClock, systemClock, type Clock } from './clock.js';
export { RecordingLogger, silentLogger, type LogRecord, type Logger } from './logger.js';
export { FleetError, isFleetError, isRetryable, oneLine } from './errors.js';
export { Trigger, sleep } from './trigger.js';
export { backoff, jittered, seededRandom, type BackoffPolicy } from './backoff.js';
export { rateLimited } from './rate-limit.js';
export { mapBounded } from './map-bounded.js';
