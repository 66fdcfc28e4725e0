// @fleet/runtime: injected time and logging. Imports nothing but Node built-ins' types.
export { ManualClock, systemClock, type Clock } from './clock.js';
export { RecordingLogger, silentLogger, type LogRecord, type Logger } from './logger.js';
export { FleetError, isFleetError, isRetryable, oneLine } from './errors.js';
