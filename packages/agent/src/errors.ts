// The agent's error catalogue: one class per failure, on the runtime's FleetError (code,
// retryable, cause). Callers branch on `code` or on the class.
import { FleetError } from '@fleet/runtime';

/** Stable codes of the agent's own errors. */
export type AgentErrorCode =
  | 'AGENT_NO_MACHINE_ID'
  | 'AGENT_LAUNCHED_FILE_UNREADABLE'
  | 'AGENT_LAUNCHED_FILE_CORRUPT'
  | 'AGENT_CONTENTS_GONE';

/** An error of the agent. */
export abstract class AgentError extends FleetError {
  abstract override readonly code: AgentErrorCode;
}

/** `/etc/machine-id` is missing, empty or not an ID: the machine cannot join a cluster. */
export class NoMachineIdError extends AgentError {
  readonly code = 'AGENT_NO_MACHINE_ID';
}

/** The launched-units file exists but cannot be read. */
export class LaunchedFileUnreadableError extends AgentError {
  readonly code = 'AGENT_LAUNCHED_FILE_UNREADABLE';
}

/** The launched-units file does not hold what this agent writes. */
export class LaunchedFileCorruptError extends AgentError {
  readonly code = 'AGENT_LAUNCHED_FILE_CORRUPT';
}

/**
 * The contents a load names by hash are no longer in the registry (the unit was replaced or
 * destroyed meanwhile). Not retryable: the same hash stays gone; a new assignment brings another.
 */
export class ContentsGoneError extends AgentError {
  readonly code = 'AGENT_CONTENTS_GONE';
}
