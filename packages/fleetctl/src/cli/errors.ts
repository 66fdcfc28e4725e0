// fleetctl's errors. Every failure reaches the user as one clear line on stderr and an exit
// code, never as a stack trace.

/** A failure with the line to print and the exit code to return. */
export class CliError extends Error {
  /**
   * @param message - one line for the user
   * @param exitCode - what fleetctl exits with (default 1)
   */
  constructor(
    message: string,
    readonly exitCode = 1,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** The command line is wrong: unknown command or flag, bad value, missing argument. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 1);
    this.name = 'UsageError';
  }
}

/** The message of any thrown value, on one line. */
export function errorLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s*\n\s*/g, ' ').trim() || 'unknown error';
}
