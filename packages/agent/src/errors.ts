/** Stable codes of the agent's own errors. */
export type AgentErrorCode =
  | 'AGENT_NO_MACHINE_ID'
  | 'AGENT_NO_PUBLIC_IP'
  | 'AGENT_LAUNCHED_FILE_UNREADABLE'
  | 'AGENT_LAUNCHED_FILE_CORRUPT';

/** An error of the agent: a stable `code`, whether retrying can help, and the cause. */
export class AgentError extends Error {
  override readonly name = 'AgentError';
  constructor(
    readonly code: AgentErrorCode,
    message: string,
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
